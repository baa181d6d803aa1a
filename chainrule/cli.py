"""The `chainrule` command line: parses arguments and calls library functions."""
import argparse
import os
import sys
import time

import numpy as np

import data
import nets
from solver import Solver, optim


def gradcheck_command(args):
    """Run check_layer on each layer's default case; print a table; 1 if any fails.

    --mutants checks the bug zoo instead, --sweep prints step-size sweeps.
    """
    if args.mutants:
        return mutants_command(args)
    if args.sweep:
        return sweep_command(args)
    import layers
    import gradcheck
    from gradcheck import cases

    names = args.layers or layers.layer_names()
    print(f"{'layer':<20} {'argument':<10} {'shape':<20} {'max rel error':>13}  status")
    failed = 0
    for name in names:
        try:
            module = layers.load(name)
            case_args, case_kwargs = cases.case(name)
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


def mutants_command(args):
    """The bug zoo: each mutant caught? localized to the right node and argument? hint."""
    from gradcheck import bugzoo

    text, all_found = bugzoo.table(seed=args.seed)
    print(text)
    return 0 if all_found else 1


def sweep_command(args):
    """Step-size sweeps of the layers' default cases (in float32 with --float32)."""
    import layers
    import gradcheck
    from gradcheck import cases

    for name in args.layers or layers.layer_names():
        case_args, case_kwargs = cases.case(name, seed=args.seed)
        if args.float32:
            case_args = [_as_float32(a) for a in case_args]
            case_kwargs = {k: _as_float32(v) for k, v in case_kwargs.items()}
        sweep = gradcheck.step_size_sweep(layers.load(name), *case_args, **case_kwargs)
        print(sweep, end="\n\n")
        if args.figure_dir:
            os.makedirs(args.figure_dir, exist_ok=True)
            sweep.figure().savefig(os.path.join(args.figure_dir, f"{name}_sweep.png"))
    return 0


def _as_float32(value):
    if isinstance(value, np.ndarray) and value.dtype == np.float64:
        return value.astype(np.float32)
    if isinstance(value, dict):
        return {k: _as_float32(v) for k, v in value.items()}
    return value


MODELS = (*nets.MODELS, "charlstm")  # charlstm: charlm with the lstm cell
CELLS = ("lstm", "rnn", "gru")

# Options whose good value depends on the model. The character-level language model
# trains on the text, with a larger learning rate kept in check by gradient clipping,
# and Glorot's init, made for tanh and sigmoid units.
DEFAULTS = {"dataset": "mnist", "epochs": 8, "batch_size": 50, "lr": 1e-3, "lr_decay": 0.9,
            "hidden": "100", "weight_scale": "he", "clip_norm": None}
CHARLM_DEFAULTS = {**DEFAULTS, "dataset": "text", "epochs": 6, "batch_size": 64, "lr": 2e-2,
                   "lr_decay": 0.7, "hidden": "128", "weight_scale": "xavier", "clip_norm": 5.0}


def model_for(config, example_shape, num_classes, chars=None):
    """The net of a run's config, via nets.build_model; a shape that does not fit the
    model is a usage error, reported without a traceback."""
    options = {"cnn": {"num_filters": config["filters"], "filter_size": config["filter_size"]},
               "fc": {"normalization": config["normalization"],
                      "dropout_keep_ratio": config["dropout_keep"]},
               "charlm": {"wordvec_dim": config.get("wordvec_dim"), "cell": config.get("cell"),
                          "chars": chars}}.get(config["model"], {})
    try:
        return nets.build_model(config["model"], example_shape, num_classes, config["hidden"],
                                weight_scale=config["weight_scale"], reg=config["reg"],
                                seed=config["seed"], **options)
    except ValueError as error:
        raise SystemExit(f"chainrule: --dataset {config['dataset']}: {error}") from error


def train_command(args):
    """Train a net, writing config.json, history.json, params.npz and loss.png to a run folder."""
    from chainrule import runs  # draws with matplotlib, which --help need not load

    if args.resume:
        run_dir = args.resume
        config = runs.read_json(os.path.join(run_dir, "config.json"))
        if args.epochs is not None:
            config["epochs"] = args.epochs
    else:
        config = train_config(args)
        run_dir = runs.new_run_dir(args.out, config["name"])
    dataset = data.load_dataset(config["dataset"], config["data_root"], config["seed"],
                                config.get("seq_len", 32))
    chars = dataset.pop("chars", None)
    num_classes = len(chars) if chars else int(max(dataset["y_train"].max(),
                                                   dataset["y_val"].max())) + 1
    model = model_for(config, dataset["X_train"].shape[1:], num_classes, chars)
    runs.write_json(os.path.join(run_dir, "config.json"), config)
    if chars:
        runs.write_json(os.path.join(run_dir, "vocab.json"), {"chars": chars})
    print(f"chainrule: training {config['model']} on {config['dataset']} "
          f"({len(dataset['y_train'])} train, {len(dataset['y_val'])} val) -> {run_dir}")
    if chars:
        print(f"chainrule: the loss is per sequence of {config['seq_len']} characters; "
              f"per character it starts near log V = {np.log(len(chars)):.3f} nats")
    solver = Solver(model, dataset, update_rule=config["update_rule"],
                    optim_config={"learning_rate": config["lr"]}, lr_decay=config["lr_decay"],
                    batch_size=config["batch_size"], num_epochs=config["epochs"],
                    clip_norm=config.get("clip_norm"),
                    print_every=config["print_every"], verbose=True, seed=config["seed"],
                    checkpoint_dir=os.path.join(run_dir, "checkpoints"),
                    resume=os.path.join(run_dir, "checkpoints") if args.resume else None)
    start = time.perf_counter()
    try:
        solver.train()
    finally:
        model.save(os.path.join(run_dir, "params.npz"))
        picture = runs.save_history_and_plot(run_dir, runs.history(solver))
    print(f"chainrule: best val accuracy {solver.best_val_acc:.4f} after "
          f"{time.perf_counter() - start:.1f} s")
    written = "loss.png, history.json, params.npz, config.json"
    if chars:
        report_language_model(model, dataset, config, run_dir)
        written += ", vocab.json, sample.txt"
    print(f"chainrule: wrote {run_dir}/ ({written}); curves in {picture}")
    return 0


def report_language_model(model, dataset, config, run_dir):
    """Val loss per character against the unigram baseline; a sample, also in sample.txt."""
    baseline = data.text.unigram_entropy(dataset["y_train"], model.vocab_size)
    val_loss = model.loss_per_char(dataset["X_val"], dataset["y_val"])
    print(f"chainrule: val loss {val_loss:.3f} nats/char; unigram baseline (the entropy of "
          f"the character frequencies) {baseline:.3f}; uniform log V {np.log(model.vocab_size):.3f}")
    text = model.sample(config["prime"], config["sample_length"], config["temperature"],
                        seed=config["seed"])
    with open(os.path.join(run_dir, "sample.txt"), "w", encoding="utf-8") as file:
        file.write(text + "\n")
    print(f"chainrule: sample (temperature {config['temperature']}):\n{text}")


def train_config(args):
    """The run's settings, as written to config.json (and read back by --resume)."""
    if args.model == "charlstm":
        args.model, args.cell = "charlm", "lstm"
    defaults = CHARLM_DEFAULTS if args.model == "charlm" else DEFAULTS
    option = {key: default if getattr(args, key) is None else getattr(args, key)
              for key, default in defaults.items()}
    if (args.model == "charlm") != (option["dataset"] == "text"):
        raise SystemExit("chainrule: --model charlm trains on --dataset text, and only it does")
    hidden = [int(h) for h in option["hidden"].split(",")]
    name = args.name or f"{args.model}-{option['dataset']}-{time.strftime('%Y%m%d-%H%M%S')}"
    weight_scale = option["weight_scale"]
    if weight_scale not in ("he", "xavier"):
        weight_scale = float(weight_scale)
    config = {"name": name, "model": args.model, "dataset": option["dataset"],
              "data_root": args.data_root, "epochs": option["epochs"],
              "batch_size": option["batch_size"], "update_rule": args.update_rule,
              "lr": option["lr"], "lr_decay": option["lr_decay"], "hidden": hidden,
              "filters": args.filters, "filter_size": args.filter_size,
              "normalization": args.normalization, "dropout_keep": args.dropout_keep,
              "reg": args.reg, "weight_scale": weight_scale, "clip_norm": option["clip_norm"],
              "seed": args.seed, "print_every": args.print_every}
    if args.model == "charlm":
        config.update(cell=args.cell, seq_len=args.seq_len, wordvec_dim=args.wordvec_dim,
                      prime=args.prime, sample_length=args.sample_length,
                      temperature=args.temperature)
    return config


def plot_command(args):
    """Redraw a run folder's loss.png from its history.json."""
    from chainrule import runs

    print(f"chainrule: wrote {runs.redraw(args.run_dir)}")
    return 0


class DefaultsHelpFormatter(argparse.ArgumentDefaultsHelpFormatter):
    """Shows each option's default, except None: those options state theirs in the help,
    since it depends on the model."""

    def _get_help_string(self, action):
        return action.help if action.default is None else super()._get_help_string(action)


def add_train_parser(commands):
    train = commands.add_parser("train", help="train a net; writes runs/<name>/",
                                formatter_class=DefaultsHelpFormatter)
    train.add_argument("--model", choices=MODELS, default="cnn", help="the net to train")
    train.add_argument("--dataset", choices=data.DATASETS,
                       help="mnist and digits are bundled; cifar10 needs --data-root; text "
                            "(bundled Alice in Wonderland) is for charlm "
                            "(default mnist; text for charlm)")
    train.add_argument("--data-root", help="folder of CIFAR-10's python batches")
    train.add_argument("--epochs", type=positive_int, help="epochs (default 8; 6 for charlm)")
    train.add_argument("--batch-size", type=positive_int, help="(default 50; 64 for charlm)")
    train.add_argument("--update-rule", choices=optim.UPDATE_RULES, default="adam",
                       help="an update rule of solver.optim")
    train.add_argument("--lr", type=positive_float,
                       help="learning rate (default 1e-3; 2e-2 for charlm)")
    train.add_argument("--lr-decay", type=positive_float,
                       help="learning rate factor per epoch (default 0.9; 0.7 for charlm)")
    train.add_argument("--clip-norm", type=positive_float,
                       help="rescale the gradients when their global norm exceeds this "
                            "(default: no clipping; 5 for charlm)")
    train.add_argument("--hidden",
                       help="hidden units; comma-separated layers for --model fc "
                            "(default 100; 128 for charlm)")
    train.add_argument("--filters", type=positive_int, default=24, help="conv filters (cnn)")
    train.add_argument("--filter-size", type=positive_int, default=5, help="conv size (cnn)")
    train.add_argument("--normalization", choices=("batchnorm", "layernorm"),
                       help="normalization layers (fc)")
    train.add_argument("--dropout-keep", type=probability, default=1.0,
                       help="probability of KEEPING a unit (fc); 1 means no dropout")
    train.add_argument("--reg", type=float, default=0.0, help="L2 regularization strength")
    train.add_argument("--weight-scale",
                       help="'he', 'xavier' or a number (std of initial weights) "
                            "(default he; xavier for charlm)")
    train.add_argument("--cell", choices=CELLS, default="lstm",
                       help="recurrent layer (charlm)")
    train.add_argument("--seq-len", type=positive_int, default=32,
                       help="characters per training sequence (charlm)")
    train.add_argument("--wordvec-dim", type=positive_int, default=32,
                       help="size of a character's embedding (charlm)")
    train.add_argument("--prime", default="Alice", help="text the sample starts from (charlm)")
    train.add_argument("--sample-length", type=non_negative_int, default=500,
                       help="characters to sample after training (charlm)")
    train.add_argument("--temperature", type=non_negative_float, default=0.7,
                       help="sampling temperature; 0 takes the likeliest character (charlm)")
    train.add_argument("--seed", type=int, default=0)
    train.add_argument("--print-every", type=positive_int, default=50)
    train.add_argument("--name", help="run folder name (default: model-dataset-time)")
    train.add_argument("--out", default="runs", help="folder holding run folders")
    train.add_argument("--resume", metavar="RUN_DIR",
                       help="continue the run in RUN_DIR from its last checkpoint")
    train.set_defaults(run=train_command)
    plot = commands.add_parser("plot", help="redraw a run folder's loss.png")
    plot.add_argument("run_dir", metavar="RUN_DIR")
    plot.set_defaults(run=plot_command)


def positive_int(text):
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {text}")
    return value


def non_negative_int(text):
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be an integer >= 0, got {text}")
    return value


def non_negative_float(text):
    value = float(text)
    if not value >= 0:
        raise argparse.ArgumentTypeError(f"must be >= 0, got {text}")
    return value


def positive_float(text):
    value = float(text)
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be positive, got {text}")
    return value


def probability(text):
    value = float(text)
    if not 0 < value <= 1:
        raise argparse.ArgumentTypeError(f"must lie in (0, 1], got {text}")
    return value


def build_parser():
    parser = argparse.ArgumentParser(prog="chainrule", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    check = commands.add_parser("gradcheck", help="gradient-check every layer")
    check.add_argument("layers", nargs="*", help="layer names (default: all)")
    check.add_argument("--mutants", action="store_true",
                       help="check the bug zoo (gradcheck/bugzoo.py): caught, localized, hint")
    check.add_argument("--sweep", action="store_true",
                       help="relative error against the step h, 1e-1 ... 1e-12, with a verdict")
    check.add_argument("--float32", action="store_true", help="with --sweep: in float32")
    check.add_argument("--figure-dir", help="with --sweep: write <layer>_sweep.png here")
    check.add_argument("--seed", type=int, default=0, help="seed of the cases (default 0)")
    check.set_defaults(run=gradcheck_command)
    add_train_parser(commands)
    from chainrule import assignment, grade, search_command
    assignment.add_parser(commands)
    grade.add_parser(commands)
    search_command.add_parser(commands)
    return parser


def main(argv=None):
    args = build_parser().parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
