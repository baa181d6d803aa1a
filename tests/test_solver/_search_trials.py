"""Trials for the search tests: module-level build functions, so worker processes
(local or Dask) import them by name. Tiny: a two-layer net on the spiral, 240 rows."""
import os
import signal
import time

import data
from nets import TwoLayerNet


def build(config):
    """TwoLayerNet on the spiral, learning rate and reg from the config."""
    split = data.load_dataset("spiral", seed=0)
    model = TwoLayerNet(input_dim=2, hidden_dim=16, num_classes=3, weight_scale=1e-1,
                        reg=config["reg"], seed=0)
    return model, split, {"update_rule": "sgd_momentum", "batch_size": 24, "seed": 0,
                          "optim_config": {"learning_rate": config["lr"]}}


def build_killing_once(config):
    """Like build, but the first trial to start kills its own worker process (SIGKILL),
    as a machine that crashes would; the marker file makes it happen once."""
    try:
        os.close(os.open(config["marker"], os.O_CREAT | os.O_EXCL))
        os.kill(os.getpid(), signal.SIGKILL)
    except FileExistsError:
        pass
    return build(config)


def build_hanging_after_two(config):
    """Like build for the first two trials to start; the later ones never end, so that a
    test can interrupt a search while its workers are busy. Each start takes a ticket,
    a file created once in config["tickets"]."""
    ticket = 0
    while True:
        try:
            os.close(os.open(os.path.join(config["tickets"], str(ticket)),
                             os.O_CREAT | os.O_EXCL))
            break
        except FileExistsError:
            ticket += 1
    if ticket >= 2:
        time.sleep(3600)
    return build(config)
