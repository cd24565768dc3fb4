# nlohmann/json (Debian package nlohmann-json3-dev, header only).
# Emscripten does not search /usr/include, so every build gets an include
# directory of its own that holds only nlohmann/.
find_path(FRESHET_NLOHMANN_SYSTEM nlohmann/json.hpp
  PATHS /usr/include /usr/local/include NO_CMAKE_FIND_ROOT_PATH NO_DEFAULT_PATH)
if(NOT FRESHET_NLOHMANN_SYSTEM)
  message(FATAL_ERROR "nlohmann/json.hpp not found: apt-get install nlohmann-json3-dev")
endif()
set(FRESHET_NLOHMANN_INCLUDE ${CMAKE_BINARY_DIR}/third_party/include)
file(MAKE_DIRECTORY ${FRESHET_NLOHMANN_INCLUDE})
if(NOT EXISTS ${FRESHET_NLOHMANN_INCLUDE}/nlohmann)
  file(CREATE_LINK ${FRESHET_NLOHMANN_SYSTEM}/nlohmann ${FRESHET_NLOHMANN_INCLUDE}/nlohmann SYMBOLIC)
endif()
