/** `explain --help`. */
export const EXPLAIN_USAGE = `Usage:
  vendor-resilience explain --vendor V [--policy FILE] [--transport http|ws] [--phase submit|poll|stream]
                            [--status N] [--header "Name: value"]... [--body TEXT | --body-file F]
                            [--stream-line L] [--message M] [--close-code N] [--error CODE]
                            [--attempt N] [--json]
  vendor-resilience explain --policy FILE [signal flags as above]
  vendor-resilience explain --batch [--vendor V] [--policy FILE]
                            NDJSON signals on stdin -> NDJSON decisions on stdout

What a vendor's error signal means: the action (retry, backoff, poll, resubmit, reconnect, fail,
ok), the wait, the reason and the documented rule behind it.

  --vendor V      a built-in vendor (audixa, breeze, elsa, gradium, zenhire; any case), or the
                  vendor of --policy; a path to a policy file also works, except with --batch
  --policy FILE   a policy file; its vendor is the default (and known by its name)
  --body-file F   the body, read from F (at most 8 MiB)
  --json          the decision as one JSON object
  --batch         one JSON signal per line; a line's "vendor" names a built-in vendor or the
                  --policy vendor (never a file); lines without "vendor" use --vendor, or the
                  --policy vendor. Bad lines get {"error": ...}.

Exit status: 0 ok; 1 a bad signal, policy or batch line; 2 a usage error.
`;

/** `vendors --help`. */
export const VENDORS_USAGE = `Usage:
  vendor-resilience vendors [--json]

Lists the built-in policies: vendor, title, rule count and documented limits.

  --json   one JSON array, one object per vendor

Exit status: 0 ok; 2 a usage error.
`;

/** `check --help`. */
export const CHECK_USAGE = `Usage:
  vendor-resilience check [--] FILE

Validates a policy file: prints one "ok" line, or every schema problem found, one line each
(file, field, problem). A file that "extends" another policy is checked merged with it; each line
names the file that holds the field (the file itself or a base). Directories, devices, FIFOs and
files over 1 MiB are refused unread.
Put -- before a FILE whose name starts with "-".

Exit status: 0 valid; 1 not a valid policy; 2 a usage error.
`;

/** The top-level `--help` text. */
export const USAGE = `vendor-resilience: what a speech/voice vendor's error means and what to do about it

Usage:
  vendor-resilience explain --vendor V [--transport http|ws] [--phase submit|poll|stream]
                            [--status N] [--header "Name: value"]... [--body TEXT | --body-file F]
                            [--stream-line L] [--message M] [--close-code N] [--error CODE]
                            [--attempt N] [--policy FILE] [--json]
  vendor-resilience explain --batch [--vendor V] [--policy FILE]
                                           NDJSON signals on stdin -> NDJSON decisions on stdout
  vendor-resilience vendors [--json]       the built-in policies
  vendor-resilience check FILE             validate a policy file, listing every problem
  vendor-resilience COMMAND --help         help on one command
  vendor-resilience --help | --version

V is a built-in vendor (audixa, breeze, elsa, gradium, zenhire; any case). A policy file is named
with --policy FILE (outside --batch, --vendor FILE works too); batch lines name built-in vendors only.
Exit status: 0 ok; 1 a bad signal, policy or batch line; 2 a usage error.
`;

/** The help text of each command, by name. */
export const COMMAND_USAGE: Readonly<Record<string, string>> = {
  explain: EXPLAIN_USAGE,
  vendors: VENDORS_USAGE,
  check: CHECK_USAGE,
};

/** Whether a command's arguments ask for its help: `--help` or `-h` before any `--`. */
export function asksForHelp(argv: readonly string[]): boolean {
  for (const arg of argv) {
    if (arg === '--') return false;
    if (arg === '--help' || arg === '-h') return true;
  }
  return false;
}
