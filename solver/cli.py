"""The `chainrule` command line: parses arguments and calls library functions."""
import argparse
import sys


def gradcheck_command(args):
    """Run check_layer on each layer's default case; print a table; 1 if any fails."""
    import layers
    from layers import _cases, gradcheck

    names = args.layers or layers.layer_names()
    print(f"{'layer':<20} {'argument':<10} {'shape':<20} {'max rel error':>13}  status")
    failed = 0
    for name in names:
        try:
            module = layers.load(name)
            case_args, case_kwargs = _cases.case(name)
        except (ValueError, KeyError) as err:
            print(f"{name:<20} {'-':<10} {'-':<20} {'-':>13}  ERROR {err}")
            failed += 1
            continue
        report = gradcheck.check_layer(module, *case_args, **case_kwargs)
        for row in report.rows:
            status = "ok" if row.ok else "FAIL"
            print(f"{name:<20} {row.name:<10} {str(row.shape):<20} {row.error:>13.1e}  {status}")
        for problem in report.problems:
            print(f"{name:<20} {'-':<10} {'-':<20} {'-':>13}  FAIL {problem}")
        failed += not report.ok
    print(f"\n{len(names) - failed} of {len(names)} layers pass "
          f"(directional check, float64, tolerance {gradcheck.DEFAULT_TOL:.0e})")
    return 1 if failed else 0


def build_parser():
    parser = argparse.ArgumentParser(prog="chainrule", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    check = commands.add_parser("gradcheck", help="gradient-check every layer")
    check.add_argument("layers", nargs="*", help="layer names (default: all)")
    check.set_defaults(run=gradcheck_command)
    return parser


def main(argv=None):
    args = build_parser().parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
