# Lets CMake accept CMAKE_SYSTEM_NAME WASI without the "unknown system" warning.
set(WASI 1)
set(UNIX 1)
