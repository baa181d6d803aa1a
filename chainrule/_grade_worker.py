"""Grade one layer of a student copy in this process: `chainrule grade` runs
`python -m chainrule._grade_worker DIR LAYER RESULT.json --memory MB` per layer,
under its time limit, and reads RESULT.json."""
import argparse
import dataclasses
import json
import sys

from chainrule import grade


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m chainrule._grade_worker")
    parser.add_argument("directory")
    parser.add_argument("layer")
    parser.add_argument("result")
    parser.add_argument("--memory", type=int, default=grade.MEMORY)
    args = parser.parse_args(argv)
    # Everything the grader needs is imported by now; the cap is for the student's code.
    grade.limit_memory(args.memory)
    result = dataclasses.asdict(grade.grade_layer(args.directory, args.layer))
    with open(args.result, "w") as file:
        json.dump(result, file)
    return 0


if __name__ == "__main__":
    sys.exit(main())
