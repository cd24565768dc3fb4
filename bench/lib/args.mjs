// Command-line options of the bench scripts run on their own.

/** The number after `name` on the command line (`--runs 5`), else `dflt`. */
export function numberArg(name, dflt) {
  const at = process.argv.indexOf(name);
  return at > 0 ? Number(process.argv[at + 1]) : dflt;
}
