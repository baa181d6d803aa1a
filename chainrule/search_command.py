"""`chainrule search`: random search or successive halving over a net's hyperparameters.

    chainrule search --model fc --trials 32 --epochs 4 --eta 3 --workers 2 \\
        --lr 1e-4:1e-1:log --reg 1e-6:1e-2:log [--scheduler tcp://host:8786]

An option holding ':' or ',' is a dimension of the space (solver/search.py lists the
forms), anything else a value every trial shares. Writes <out>/<name>.jsonl (the
results; the same command again continues from it), <out>/<name>_checkpoints/, and
the best trial as a run folder <out>/<name>-best (`chainrule plot` redraws it) with
search.png (learning rate against regularization) and rungs.png.
"""
import os
import sys

import data
from solver import search

SEARCHED = ("lr", "reg", "hidden", "batch_size", "lr_decay", "weight_scale")


def build_trial(config):
    """The trial of a config: the dataset and net it names, and the Solver's settings."""
    from chainrule.cli import model_for

    dataset = data.load_dataset(config["dataset"], config["data_root"], config["seed"])
    num_classes = int(max(dataset["y_train"].max(), dataset["y_val"].max())) + 1
    hidden = config["hidden"]
    net_config = {**config, "hidden": [hidden] if isinstance(hidden, int) else
                  [int(h) for h in str(hidden).split("-")]}
    model = model_for(net_config, dataset["X_train"].shape[1:], num_classes)
    return model, dataset, {"update_rule": config["update_rule"],
                            "optim_config": {"learning_rate": config["lr"]},
                            "lr_decay": config["lr_decay"], "batch_size": config["batch_size"],
                            "seed": config["seed"]}


def search_command(args):
    """Run the search; print the leaderboard; save the best trial as a run folder."""
    from chainrule import runs

    options = {name: getattr(args, name) for name in SEARCHED}
    specs = {name: value for name, value in options.items() if ":" in value or "," in value}
    fixed = {name: _plain(value) for name, value in options.items() if name not in specs}
    fixed.update(model=args.model, dataset=args.dataset, data_root=args.data_root,
                 update_rule=args.update_rule, seed=args.seed, filters=24, filter_size=5,
                 normalization=None, dropout_keep=1.0)
    try:
        space = search.parse_space(specs)
    except search.SpaceError as error:
        flag = f"--{error.name.replace('_', '-')} {error.spec}" if error.spec else "the space"
        print(f"chainrule search: {flag}: {error.reason}", file=sys.stderr)
        return 2
    os.makedirs(args.out, exist_ok=True)
    results = args.results or os.path.join(args.out, f"{args.name}.jsonl")
    print(f"chainrule: searching {', '.join(sorted(space))} of {args.model} on {args.dataset}: "
          f"{args.trials} trials, up to {args.epochs} epochs, eta {args.eta} -> {results}")
    try:
        result = search.search(build_trial, space, args.trials, args.epochs, eta=args.eta,
                               seed=args.seed, fixed=fixed, results=results,
                               checkpoint_dir=os.path.splitext(results)[0] + "_checkpoints",
                               workers=args.workers, scheduler=args.scheduler,
                               timeout=args.timeout)
    except KeyboardInterrupt:
        print(f"\nchainrule: interrupted; finished trials are kept in {results}: run the "
              "same command again to continue")
        return 130
    except (ValueError, ConnectionError, ImportError) as error:
        print(f"chainrule search: {error}", file=sys.stderr)
        return 1
    print(result.table(top=args.top))
    run_dir = save_best(result, runs.new_run_dir(args.out, f"{args.name}-best"), runs)
    print(f"chainrule: best val accuracy {result.best['val_acc']:.4f} with "
          + ", ".join(f"{n}={result.best['config'][n]:.3g}" if isinstance(
              result.best['config'][n], float) else f"{n}={result.best['config'][n]}"
              for n in sorted(space))
          + f"; wrote {run_dir}/ (params.npz, history.json, loss.png, search.png, rungs.png)")
    return 0


def save_best(result, run_dir, runs):
    """The best trial as a run folder: config, history, params and pictures."""
    from solver import plots  # here, not at the top: workers import this module for build_trial

    best = result.best
    model = build_trial(best["config"])[0]
    model.params.update(result.best_params())
    model.save(os.path.join(run_dir, "params.npz"))
    runs.write_json(os.path.join(run_dir, "config.json"),
                    {**best["config"], "epochs": best["epochs"], "trial": best["trial"]})
    runs.save_history_and_plot(run_dir, {**best["history"], "best_val_acc": best["val_acc"]})
    if {"lr", "reg"} <= best["config"].keys():
        plots.save_figure(plots.plot_search(result.trials, "lr", "reg"),
                          os.path.join(run_dir, "search.png"))
    plots.save_figure(plots.plot_rungs(result.records), os.path.join(run_dir, "rungs.png"))
    return run_dir


def _plain(text):
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text


def add_parser(commands):
    from chainrule.cli import MODELS, DefaultsHelpFormatter, positive_int

    parser = commands.add_parser(
        "search", formatter_class=DefaultsHelpFormatter,
        help="random search / successive halving of hyperparameters, locally or on Dask",
        description="Each of --lr --reg --hidden --batch-size --lr-decay --weight-scale is a "
                    "value, or a dimension: low:high:log, low:high (uniform), low:high:int, "
                    "a,b,c (choice).")
    parser.add_argument("--model", choices=[m for m in MODELS if not m.startswith("char")],
                        default="fc")
    parser.add_argument("--dataset", choices=[d for d in data.DATASETS if d != "text"],
                        default="mnist")
    parser.add_argument("--data-root", help="folder of CIFAR-10's python batches")
    parser.add_argument("--trials", type=positive_int, default=32, help="configs drawn")
    parser.add_argument("--epochs", type=positive_int, default=4,
                        help="epochs of the last rung")
    parser.add_argument("--eta", type=positive_int, default=3,
                        help="keep the best 1/eta of each rung; 1: plain random search")
    parser.add_argument("--workers", type=positive_int,
                        help="local worker processes (default: the number of cores)")
    parser.add_argument("--scheduler", help="a Dask scheduler, tcp://host:8786, instead")
    parser.add_argument("--timeout", type=float, default=5,
                        help="seconds to wait for the scheduler")
    parser.add_argument("--results", help="JSON-lines results file (default <out>/<name>.jsonl)")
    parser.add_argument("--lr", default="1e-4:1e-1:log", help="learning rate")
    parser.add_argument("--reg", default="1e-6:1e-2:log", help="L2 regularization")
    parser.add_argument("--hidden", default="100", help="hidden units, e.g. 50,100,200")
    parser.add_argument("--batch-size", default="50")
    parser.add_argument("--lr-decay", default="0.9")
    parser.add_argument("--weight-scale", default="he", help="'he', 'xavier' or a std")
    parser.add_argument("--update-rule", default="adam")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--top", type=positive_int, default=10, help="leaderboard rows shown")
    parser.add_argument("--name", default="search", help="results and best run folder name")
    parser.add_argument("--out", default="runs", help="folder holding run folders")
    parser.set_defaults(run=search_command)
