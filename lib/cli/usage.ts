/** The `--help` text. */
export const USAGE = `vendor-resilience: what a speech/voice vendor's error means and what to do about it

Usage:
  vendor-resilience explain --vendor V [--transport http|ws] [--phase submit|poll|stream]
                            [--status N] [--header "Name: value"]... [--body TEXT | --body-file F]
                            [--stream-line L] [--message M] [--close-code N] [--error CODE]
                            [--attempt N] [--json]
  vendor-resilience explain --batch        NDJSON signals on stdin -> NDJSON decisions on stdout
  vendor-resilience vendors [--json]       the built-in policies
  vendor-resilience check FILE             validate a policy file
  vendor-resilience --help | --version

V is a built-in vendor (audixa, breeze, elsa, gradium, zenhire) or a path to a policy file.
Exit status: 0 ok; 1 a bad signal, policy or batch line; 2 a usage error.
`;
