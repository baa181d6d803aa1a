"""The `chainrule` command line: parses arguments and calls library functions."""
import argparse
import math
import os
import sys
import time

import numpy as np

import data
import nets
from solver import Solver, TrainingDiverged, optim


class CommandError(Exception):
    """What a command refuses or could not do: one line on stderr and exit status
    `status` (2 for a request to fix, as argparse's own; 1 for a failure; 130 for Ctrl-C)."""

    def __init__(self, message, status=2):
        super().__init__(message)
        self.status = status


def gradcheck_command(args):
    """Run check_layer on each layer's default case; print a table; 1 if any fails.

    --mutants checks the bug zoo instead, --sweep prints step-size sweeps.
    """
    if args.mutants:
        return mutants_command(args)
    if args.sweep:
        return sweep_command(args)
    import gradcheck
    import layers
    from gradcheck import cases

    names = layer_names(args.layers)
    width = max(len("layer"), *map(len, names))
    print(f"{'layer':<{width}} {'argument':<10} {'shape':<20} {'max rel error':>13}  status")
    failed = 0
    for name in names:
        try:
            case_args, case_kwargs = cases.case(name)
        except KeyError as err:
            print(f"{name:<{width}} {'-':<10} {'-':<20} {'-':>13}  ERROR {err}")
            failed += 1
            continue
        report = gradcheck.check_layer(layers.load(name), *case_args, **case_kwargs)
        for row in report.rows:
            status = "ok" if row.ok else "FAIL"
            print(f"{name:<{width}} {row.name:<10} {str(row.shape):<20} {row.error:>13.1e}  "
                  f"{status}")
        for problem in report.problems:
            print(f"{name:<{width}} {'-':<10} {'-':<20} {'-':>13}  FAIL {problem}")
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

    for name in layer_names(args.layers):
        try:
            case_args, case_kwargs = cases.case(name, seed=args.seed)
        except KeyError as err:
            raise CommandError(err.args[0]) from None
        if args.float32:
            case_args = [_as_float32(a) for a in case_args]
            case_kwargs = {k: _as_float32(v) for k, v in case_kwargs.items()}
        sweep = gradcheck.step_size_sweep(layers.load(name), *case_args, **case_kwargs)
        print(sweep, end="\n\n")
        if args.figure_dir:
            os.makedirs(args.figure_dir, exist_ok=True)
            sweep.figure().savefig(os.path.join(args.figure_dir, f"{name}_sweep.png"))
    return 0


def layer_names(names):
    """The layers named on the command line (all when none are); an unknown name is refused."""
    import layers

    known = layers.layer_names()
    unknown = [name for name in names if name not in known]
    if unknown:
        raise CommandError(f"no layer called {', '.join(map(repr, unknown))} "
                           f"(the layers: {', '.join(known)})")
    return names or known


def _as_float32(value):
    if isinstance(value, np.ndarray) and value.dtype == np.float64:
        return value.astype(np.float32)
    if isinstance(value, dict):
        return {k: _as_float32(v) for k, v in value.items()}
    return value


MODELS = (*nets.MODELS, "charlstm")  # charlstm: charlm with the lstm cell
CELLS = ("lstm", "rnn", "gru")

# The train options' defaults (None: off, or chosen at run time). Every train option
# defaults to None in the parser, so a resumed run can tell the options given from
# the rest. Some good values depend on the model: the character-level language model
# trains on the text, with a larger learning rate kept in check by gradient clipping,
# and Glorot's init, made for tanh and sigmoid units.
DEFAULTS = {"model": "cnn", "dataset": "mnist", "data_root": None, "epochs": 8,
            "batch_size": 50, "update_rule": "adam", "lr": 1e-3, "lr_decay": 0.9,
            "clip_norm": None, "hidden": [100], "filters": 24, "filter_size": 5,
            "normalization": None, "dropout_keep": 1.0, "reg": 0.0, "weight_scale": "he",
            "cell": "lstm", "seq_len": 32, "wordvec_dim": 32, "prime": "Alice",
            "sample_length": 500, "temperature": 0.7, "seed": 0, "print_every": 50,
            "name": None, "out": "runs"}
CHARLM_DEFAULTS = {**DEFAULTS, "dataset": "text", "epochs": 6, "batch_size": 64, "lr": 2e-2,
                   "lr_decay": 0.7, "hidden": [128], "weight_scale": "xavier", "clip_norm": 5.0}
# The transformer trains on the same text with Adam's usual step and a smaller width.
TRANSFORMER_DEFAULTS = {**CHARLM_DEFAULTS, "lr": 3e-3, "lr_decay": 0.8, "hidden": [64],
                        "clip_norm": 1.0}
LANGUAGE_DEFAULTS = {"charlm": CHARLM_DEFAULTS, "transformer": TRANSFORMER_DEFAULTS}
CHARLM_ONLY = ("cell", "seq_len", "wordvec_dim", "prime", "sample_length", "temperature")
# What --resume can honour: how long to train, how often to print, where the data now
# is, and the sample drawn after training. Everything else would make it another run.
RESUMABLE = ("epochs", "print_every", "data_root", "prime", "sample_length", "temperature")
MAX_NAME = 200  # bytes of a run name: the file system allows 255, less a -2 suffix


def model_for(config, example_shape, num_classes, chars=None):
    """The net of a run's config, via nets.build_model; a shape that does not fit the
    model is a request to fix, reported without a traceback."""
    options = {"cnn": {"num_filters": config["filters"], "filter_size": config["filter_size"]},
               "fc": {"normalization": config["normalization"],
                      "dropout_keep_ratio": config["dropout_keep"]},
               "charlm": {"wordvec_dim": config.get("wordvec_dim"), "cell": config.get("cell"),
                          "chars": chars},
               "transformer": {"context": config.get("seq_len"), "chars": chars},
               }.get(config["model"], {})
    try:
        return nets.build_model(config["model"], example_shape, num_classes, config["hidden"],
                                weight_scale=config["weight_scale"], reg=config["reg"],
                                seed=config["seed"], **options)
    except ValueError as error:
        raise CommandError(f"--dataset {config['dataset']}: {error}") from error


def train_command(args):
    """Train a net, writing config.json, history.json, params.npz and loss.png to a run
    folder, which the command holds (a lock) until it ends."""
    from chainrule import runs  # draws with matplotlib, which --help need not load

    if args.resume:
        return resume_command(args)
    config = train_config(args)
    out = args.out or DEFAULTS["out"]
    if os.path.exists(out) and not os.path.isdir(out):
        raise CommandError(f"--out {out} is a file; give the folder that holds run folders")
    dataset, chars = load_data(config)
    model = model_for(config, dataset["X_train"].shape[1:], num_classes(dataset, chars), chars)
    with runs.new_run(out, config["name"]) as run_dir:
        runs.write_json(os.path.join(run_dir, "config.json"), config)
        if chars:
            runs.write_json(os.path.join(run_dir, "vocab.json"), {"chars": chars})
        watch = diagnostics_for(args, model, dataset)
        solver = make_solver(model, dataset, config, run_dir, callbacks=watch)
        return train_and_save(solver, dataset, config, run_dir, chars, watch)


def resume_command(args):
    """Continue the run in args.resume as configured in its config.json: an option
    given is honoured when it is RESUMABLE (or the run's own value) and refused by name
    otherwise; config.json is updated with what was honoured, under the run's lock."""
    from chainrule import runs

    run_dir = args.resume
    if not os.path.isdir(run_dir):
        raise CommandError(f"--resume {run_dir}: no such folder")
    with runs.locked(run_dir):
        try:
            run = runs.read_config(run_dir, required=[key for key in DEFAULTS if key != "out"
                                                      and key not in CHARLM_ONLY])
        except (OSError, ValueError) as error:
            raise CommandError(f"--resume {run_dir}: {error}") from error
        given = {key: value for key, value in vars(args).items()
                 if key in DEFAULTS and value is not None}
        refused = [key for key, value in given.items()
                   if key not in RESUMABLE and value != run.get(key)]
        if refused:
            raise CommandError(f"--resume continues {run_dir} as its config.json says, so it "
                               f"cannot change {', '.join(map(option, refused))}; start a new "
                               "run for that")
        config = {**run, **given}
        dataset, chars = load_data(config)
        model = model_for(config, dataset["X_train"].shape[1:], num_classes(dataset, chars),
                          chars)
        watch = diagnostics_for(args, model, dataset)
        solver = make_solver(model, dataset, run, run_dir, resume=True, callbacks=watch)
        if solver.epoch > config["epochs"]:
            raise CommandError(f"--epochs {config['epochs']}: {run_dir} has done "
                               f"{solver.epoch} epochs already; give more to train on")
        solver.num_epochs, solver.print_every = config["epochs"], config["print_every"]
        runs.write_json(os.path.join(run_dir, "config.json"), config)
        return train_and_save(solver, dataset, config, run_dir, chars, watch)


def load_data(config):
    """(dataset, chars) of the run; a --prime outside the text's characters is refused
    now rather than after training."""
    try:
        dataset = data.load_dataset(config["dataset"], config["data_root"], config["seed"],
                                    config.get("seq_len", 32))
    except (OSError, ValueError) as error:
        raise CommandError(f"--dataset {config['dataset']}: {error}", status=1) from error
    chars = dataset.pop("chars", None)
    if chars:
        unknown = sorted(set(config["prime"]) - set(chars))
        if not config["prime"] or unknown:
            raise CommandError(f"--prime {config['prime']!r}: the sample needs a start made of "
                               f"the text's characters, but {''.join(unknown)!r} are not among "
                               f"them: {''.join(chars)!r}")
    return dataset, chars


def num_classes(dataset, chars):
    if chars:
        return len(chars)
    return int(max(dataset["y_train"].max(), dataset["y_val"].max())) + 1


def diagnostics_for(args, model, dataset):
    """With --diagnostics, a recorder probing 100 validation rows (the Solver's callback)."""
    if not args.diagnostics:
        return []
    from nets.diagnostics import Diagnostics
    return [Diagnostics(model, dataset["X_val"][:100])]


def make_solver(model, dataset, config, run_dir, resume=False, callbacks=()):
    """The run's Solver, checkpointing into run_dir/checkpoints (and resuming from there)."""
    checkpoints = os.path.join(run_dir, "checkpoints")
    return Solver(model, dataset, update_rule=config["update_rule"],
                  optim_config={"learning_rate": config["lr"]}, lr_decay=config["lr_decay"],
                  batch_size=config["batch_size"], num_epochs=config["epochs"],
                  clip_norm=config.get("clip_norm"), print_every=config["print_every"],
                  verbose=True, seed=config["seed"], checkpoint_dir=checkpoints,
                  resume=checkpoints if resume else None, callbacks=callbacks)


def train_and_save(solver, dataset, config, run_dir, chars, watch=()):
    """Train; write params.npz, history.json and loss.png, also when training diverges
    or is interrupted (the Solver has then put the best params back, so nothing NaN)."""
    from chainrule import runs

    model = solver.model
    print(f"chainrule: training {config['model']} on {config['dataset']} "
          f"({len(dataset['y_train'])} train, {len(dataset['y_val'])} val) -> {run_dir}")
    if chars:
        print(f"chainrule: the loss is per sequence of {config['seq_len']} characters; "
              f"per character it starts near log V = {np.log(len(chars)):.3f} nats")
    start = time.perf_counter()
    try:
        solver.train()
    except (TrainingDiverged, KeyboardInterrupt) as stop:
        model.save(os.path.join(run_dir, "params.npz"))
        runs.save_history_and_plot(run_dir, runs.history(solver))
        if isinstance(stop, KeyboardInterrupt):
            raise CommandError(f"interrupted at iteration {solver.iteration}; {run_dir} holds "
                               "the best params and a checkpoint: continue with chainrule "
                               f"train --resume {run_dir}", status=130) from None
        raise CommandError(f"training diverged: {stop} ({run_dir} holds the best params and "
                           "the history)",
                           status=1) from None
    model.save(os.path.join(run_dir, "params.npz"))
    picture = runs.save_history_and_plot(run_dir, runs.history(solver))
    for diagnostics in watch:
        from solver.diagnostic_plots import save_diagnostics
        save_diagnostics(diagnostics, os.path.join(run_dir, "diagnostics.png"))
    print(f"chainrule: best val accuracy {solver.best_val_acc:.4f} after "
          f"{time.perf_counter() - start:.1f} s")
    written = "loss.png, history.json, params.npz, config.json" + \
        (", diagnostics.png" if watch else "")
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
    """The run's settings, as written to config.json (and read back by --resume); the
    options that cannot work together are refused here, before any data is loaded."""
    model, cell = args.model or DEFAULTS["model"], args.cell
    if model == "charlstm":
        model, cell = "charlm", "lstm"
    language = model in LANGUAGE_DEFAULTS
    defaults = LANGUAGE_DEFAULTS.get(model, DEFAULTS)
    config = {key: defaults[key] if getattr(args, key) is None else getattr(args, key)
              for key in defaults if key != "out"}
    config.update(model=model, cell=cell or defaults["cell"])
    if language != (config["dataset"] == "text"):
        raise CommandError("--model charlm trains on --dataset text, as does --model "
                           "transformer, and only they do")
    if model == "cnn" and config["filter_size"] % 2 == 0:
        # An even filter shrinks the image by one, which the 2x2 pool cannot halve.
        raise CommandError(f"--filter-size {config['filter_size']}: the cnn pads its conv by "
                           "(size - 1) // 2, which keeps the image size only for an odd size, "
                           "as its 2x2 max pool needs; try 3, 5 or 7")
    if config["name"] is None:
        config["name"] = f"{model}-{config['dataset']}-{time.strftime('%Y%m%d-%H%M%S')}"
    if not language:
        for key in CHARLM_ONLY:
            del config[key]
    return config


def option(key):
    """The command-line spelling of a config key: batch_size -> --batch-size."""
    return "--" + key.replace("_", "-")


def plot_command(args):
    """Redraw a run folder's loss.png from its history.json."""
    from chainrule import runs

    print(f"chainrule: wrote {runs.redraw(args.run_dir)}")
    return 0


class DefaultsHelpFormatter(argparse.HelpFormatter):
    """Shows each train option's default from DEFAULTS, except those whose help states
    it (it depends on the model) and those without one."""

    def _get_help_string(self, action):
        default = DEFAULTS.get(action.dest)
        if default is None or "default" in action.help:
            return action.help
        if isinstance(default, list):
            default = ",".join(map(str, default))
        return f"{action.help} (default: {default})"


def add_train_parser(commands):
    train = commands.add_parser("train", help="train a net; writes runs/<name>/",
                                formatter_class=DefaultsHelpFormatter)
    train.add_argument("--model", choices=MODELS, help="the net to train")
    train.add_argument("--dataset", choices=data.DATASETS,
                       help="mnist and digits are bundled; cifar10 needs --data-root; text "
                            "(bundled Alice in Wonderland) is for charlm and transformer "
                            "(default mnist; text for charlm and transformer)")
    train.add_argument("--data-root", help="folder of CIFAR-10's python batches")
    train.add_argument("--epochs", type=positive_int, help="epochs (default 8; 6 for charlm)")
    train.add_argument("--batch-size", type=positive_int, help="(default 50; 64 for charlm)")
    train.add_argument("--update-rule", choices=optim.UPDATE_RULES,
                       help="an update rule of solver.optim")
    train.add_argument("--lr", type=positive_float,
                       help="learning rate (default 1e-3; 2e-2 for charlm, 3e-3 for "
                            "transformer)")
    train.add_argument("--lr-decay", type=positive_float,
                       help="learning rate factor per epoch (default 0.9; 0.7 for charlm, "
                            "0.8 for transformer)")
    train.add_argument("--clip-norm", type=positive_float,
                       help="rescale the gradients when their global norm exceeds this "
                            "(default: no clipping; 5 for charlm, 1 for transformer)")
    train.add_argument("--hidden", type=hidden_sizes,
                       help="hidden units; comma-separated layers for --model fc "
                            "(default 100; 128 for charlm; the embedding width, 64, "
                            "for transformer)")
    train.add_argument("--filters", type=positive_int, help="conv filters (cnn)")
    train.add_argument("--filter-size", type=positive_int, help="conv size, odd (cnn)")
    train.add_argument("--normalization", choices=("batchnorm", "layernorm"),
                       help="normalization layers (fc)")
    train.add_argument("--dropout-keep", type=probability,
                       help="probability of KEEPING a unit (fc); 1 means no dropout")
    train.add_argument("--reg", type=non_negative_float, help="L2 regularization strength")
    train.add_argument("--weight-scale", type=weight_scale,
                       help="'he', 'xavier' or a number (std of initial weights) "
                            "(default he; xavier for charlm)")
    train.add_argument("--cell", choices=CELLS, help="recurrent layer (charlm)")
    train.add_argument("--seq-len", type=positive_int,
                       help="characters per training sequence (charlm, transformer)")
    train.add_argument("--wordvec-dim", type=positive_int,
                       help="size of a character's embedding (charlm)")
    train.add_argument("--prime", help="text the sample starts from (charlm, transformer)")
    train.add_argument("--sample-length", type=non_negative_int,
                       help="characters to sample after training (charlm, transformer)")
    train.add_argument("--temperature", type=non_negative_float,
                       help="sampling temperature; 0 takes the likeliest character "
                            "(charlm, transformer)")
    train.add_argument("--seed", type=non_negative_int,
                       help="seeds the initial weights and the order of the batches")
    train.add_argument("--print-every", type=positive_int, help="iterations between loss lines")
    train.add_argument("--name", type=run_name,
                       help="run folder name (default: model-dataset-time)")
    train.add_argument("--out", help="folder holding run folders")
    train.add_argument("--resume", metavar="RUN_DIR",
                       help="continue the run in RUN_DIR from its last checkpoint; of the "
                            "other options only --epochs, --print-every, --data-root and the "
                            "charlm sample's may be given")
    train.add_argument("--diagnostics", action="store_true",
                       help="also write diagnostics.png: update/weight ratios, gradient "
                            "norms, dead or saturated units, activation histograms")
    train.set_defaults(run=train_command)
    plot = commands.add_parser("plot", help="redraw a run folder's loss.png")
    plot.add_argument("run_dir", metavar="RUN_DIR")
    plot.set_defaults(run=plot_command)


# Option types: each refuses what the run could not use, at parse time (exit status 2).

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
    if not 0 <= value < math.inf:
        raise argparse.ArgumentTypeError(f"must be a finite number >= 0, got {text}")
    return value


def positive_float(text):
    value = float(text)
    if not 0 < value < math.inf:
        raise argparse.ArgumentTypeError(f"must be a finite number > 0, got {text}")
    return value


def probability(text):
    value = float(text)
    if not 0 < value <= 1:
        raise argparse.ArgumentTypeError(f"must lie in (0, 1], got {text}")
    return value


def hidden_sizes(text):
    """'100' or '64,32' -> [100] or [64, 32]."""
    try:
        sizes = [int(size) for size in text.split(",")]
    except ValueError:
        sizes = []
    if not sizes or min(sizes) < 1:
        raise argparse.ArgumentTypeError(f"must be positive integers separated by commas, "
                                         f"got {text!r}")
    return sizes


def weight_scale(text):
    if text in ("he", "xavier"):
        return text
    try:
        return positive_float(text)
    except (ValueError, argparse.ArgumentTypeError):
        raise argparse.ArgumentTypeError(f"must be 'he', 'xavier' or a finite number > 0, "
                                         f"got {text!r}") from None


def run_name(text):
    """A run folder's name: one folder, not a path, so the run stays inside --out."""
    if (text in ("", ".", "..") or os.path.dirname(text) or os.path.splitdrive(text)[0]
            or "\0" in text or os.sep in text or (os.altsep and os.altsep in text)):
        raise argparse.ArgumentTypeError(f"must be a folder name, not a path, got {text!r}")
    if len(text.encode()) > MAX_NAME:
        raise argparse.ArgumentTypeError(f"must be at most {MAX_NAME} bytes long, got "
                                         f"{len(text.encode())}")
    return text


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
    """Run the command of argv (sys.argv by default); returns the exit status. Every
    error is one line on stderr: argparse's own usage errors exit with 2 before this."""
    args = build_parser().parse_args(argv)
    try:
        return args.run(args)
    except CommandError as error:
        return say_error(args, error, error.status)
    except KeyboardInterrupt:
        return say_error(args, "interrupted", 130)
    # Last, the library's own words (RuntimeError: a Solver's checkpoints held elsewhere).
    except (ValueError, TypeError, OSError, RuntimeError) as error:
        return say_error(args, error, 1)


def say_error(args, error, status):
    message = " ".join(str(error).split())  # one line, whatever the message
    print(f"chainrule {args.command}: {message}", file=sys.stderr)
    return status


if __name__ == "__main__":
    sys.exit(main())
