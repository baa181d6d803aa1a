"""Training a generative adversarial net: a generator G and a discriminator D in turns.

D gives each image a logit s = D(x), "real" when large. With L the discriminator's
loss layer (L(s, y) averaged over the batch; sigmoid cross-entropy for the vanilla
GAN, 0.5 * (s - y)**2 for the least-squares GAN), one iteration is

    D step   minimize  L(D(x), 1) + L(D(G(z)), 0)   over D's params  (x real, z noise)
    G step   minimize  L(D(G(z)), 1)                over G's params

The G step's gradient crosses D: with dscores = dL/ds at s = D(G(z)),

    dfake = d loss / d G(z)        D's backward to its input, from dscores
    grads = d loss / d G's params  G's backward, from dfake

so D's weights are used but not changed. Each forward runs once and its caches serve
the backward that follows: G(z) once per iteration (G does not change in the D step),
D(G(z)) once more after D's update. Both players step with Adam, beta1 = 0.5 as in
cs231n's GAN, at learning rate 2e-3: twice cs231n's, which nets/gan.py's generator
(batchnorm) takes in its stride, drawing clear digits in half the iterations (see
benchmarks/README.md). The noise is uniform in [-1, 1].

A GANTrainer needs graphs (nets/graph.py's `forward`, `backward`, `params`,
`trainable`, `state`, and the discriminator's `loss_layer`); nets/gan.py builds a
pair. Both train in train mode, and the samples are drawn in test mode, so a
generator with batchnorm is sampled with its running statistics. Real images X are
taken as given: scale them to the generator's range ([-1, 1] for tanh). The trainer
keeps:

    d_loss_history, g_loss_history   one entry per iteration
    samples                          [(iteration, G(fixed noise) as images)], every
                                     sample_every iterations and at the end
    out_dir                          samples_<iteration>.png there, and checkpoints in
                                     out_dir/checkpoints (gan_<iteration>.npz / .json,
                                     each written atomically, with the params and
                                     batchnorm's running statistics); resume= a
                                     checkpoint's .json or a folder (its latest)
                                     continues bit-exactly
"""
import json
import os

import numpy as np

from solver import optim
from solver.checkpoint import atomic_write

FORMAT = "chainrule.solver GAN checkpoint"
PLAYERS = ("generator", "discriminator")


class GANTrainer:
    """Trains `generator` against `discriminator` on the real examples X (N, ...)."""

    def __init__(self, generator, discriminator, X, noise_dim=None, batch_size=64,
                 num_iterations=1000, optim_config=None, num_samples=16, sample_every=100,
                 print_every=100, out_dir=None, checkpoint_every=None, resume=None, seed=0,
                 verbose=True):
        self.generator, self.discriminator, self.X = generator, discriminator, X
        self.noise_dim = noise_dim or generator.input_shape[0]
        self.batch_size, self.num_iterations = batch_size, num_iterations
        self.sample_every, self.print_every = sample_every, print_every
        self.out_dir, self.checkpoint_every, self.verbose = out_dir, checkpoint_every, verbose
        _check_settings(X, batch_size, num_iterations, sample_every, checkpoint_every)
        defaults = {"learning_rate": 2e-3, "beta1": 0.5, **(optim_config or {})}
        self.optim_configs = {player: {p: dict(defaults)
                                       for p in getattr(self, player).trainable()}
                              for player in PLAYERS}
        self.rng = np.random.default_rng(seed)
        self.fixed_noise = self.noise(num_samples)
        self.iteration, self.d_loss_history, self.g_loss_history = 0, [], []
        self.samples = []
        if resume is not None:
            self.load(find(resume))

    def noise(self, N):
        """N noise vectors, uniform in [-1, 1], from the trainer's generator."""
        return self.rng.uniform(-1, 1, size=(N, self.noise_dim)).astype(self.X.dtype)

    def train(self):
        """Run the iterations left; sample and checkpoint on the way."""
        while self.iteration < self.num_iterations:
            d_loss, g_loss = self.step()
            self.iteration += 1
            self.d_loss_history.append(d_loss)
            self.g_loss_history.append(g_loss)
            done = self.iteration == self.num_iterations
            if self.verbose and (self.iteration % self.print_every == 0 or done):
                print(f"(Iteration {self.iteration} / {self.num_iterations}) "
                      f"D loss: {d_loss:.4f}  G loss: {g_loss:.4f}")
            if self.iteration % self.sample_every == 0 or done:
                self.take_samples()
            if self.checkpoint_every and (self.iteration % self.checkpoint_every == 0 or done):
                self.save()

    def step(self):
        """One D step, then one G step on the same noise; returns (D loss, G loss)."""
        real = self.X[self.rng.integers(0, len(self.X), size=self.batch_size)]
        z = self.noise(self.batch_size)
        fake, generator_backward = run(self.generator, z)  # G does not change in the D step
        d_loss, d_grads = self.discriminator_step(real, fake)
        self.update("discriminator", d_grads)
        g_loss, dfake = self.fake_gradient(fake)
        self.update("generator", generator_backward(dfake))
        return d_loss, g_loss

    def discriminator_step(self, real, fake):
        """D's loss L(D(real), 1) + L(D(fake), 0) and its gradients for D's params."""
        D = self.discriminator
        real_loss, real_grads = D.loss(real, np.ones((len(real), 1), real.dtype))
        fake_loss, fake_grads = D.loss(fake, np.zeros((len(fake), 1), fake.dtype))
        return real_loss + fake_loss, {p: real_grads[p] + fake_grads[p] for p in real_grads}

    def fake_gradient(self, fake):
        """G's loss L(D(fake), 1) and its gradient with respect to the fakes, through D
        (D's weights are used, not changed)."""
        scores, discriminator_backward = run(self.discriminator, fake)
        loss, dscores = self.discriminator.loss_layer.loss(scores, np.ones_like(scores))
        return loss, discriminator_backward(dscores, wrt=("X",))["X"]

    def generator_step(self, z):
        """G's loss L(D(G(z)), 1) and its gradients for G's params, through D."""
        fake, generator_backward = run(self.generator, z)
        loss, dfake = self.fake_gradient(fake)
        return loss, generator_backward(dfake)

    def update(self, player, grads):
        """One Adam step of every param of `player` that has a gradient."""
        params, configs = getattr(self, player).params, self.optim_configs[player]
        for p, dw in grads.items():
            params[p], configs[p] = optim.adam(params[p], dw, configs[p])

    def take_samples(self):
        """G(fixed noise) as images shaped like X, kept in `samples` (and a PNG in out_dir)."""
        images = self.generator.loss(self.fixed_noise).reshape(-1, *self.X.shape[1:])
        self.samples.append((self.iteration, images))
        if self.out_dir is not None and images.ndim == 4:
            from solver.plots import plot_samples, save_figure  # matplotlib only when asked
            fig = plot_samples(images, title=f"Samples after {self.iteration} iterations")
            save_figure(fig, os.path.join(self.out_dir, f"samples_{self.iteration}.png"))
        return images

    def save(self):
        """Write out_dir/checkpoints/gan_<iteration>.npz and .json; returns the .json path."""
        folder = os.path.join(self.out_dir or ".", "checkpoints")
        os.makedirs(folder, exist_ok=True)
        stem = os.path.join(folder, f"gan_{self.iteration}")
        arrays, scalars = {"fixed_noise": self.fixed_noise}, {}
        for player in PLAYERS:
            for name, w in getattr(self, player).state().items():
                arrays[f"{player}/params/{name}"] = w
            for p, config in self.optim_configs[player].items():
                for key, value in config.items():
                    if isinstance(value, np.ndarray):
                        arrays[f"{player}/optim/{p}/{key}"] = value
                    else:
                        scalars[f"{player}/{p}/{key}"] = value
        state = {"format": FORMAT, "arrays": os.path.basename(stem + ".npz"),
                 "iteration": self.iteration, "d_loss_history": self.d_loss_history,
                 "g_loss_history": self.g_loss_history, "optim_scalars": scalars,
                 "rng_state": self.rng.bit_generator.state,
                 "settings": {"batch_size": self.batch_size, "num_real": len(self.X),
                              "noise_dim": self.noise_dim}}
        atomic_write(stem + ".npz", lambda f: np.savez(f, **arrays))
        text = json.dumps(state, indent=1, allow_nan=False)
        atomic_write(stem + ".json", lambda f: f.write(text.encode()))
        return stem + ".json"

    def load(self, json_path):
        """Put the checkpoint at json_path into the trainer and both nets."""
        with open(json_path) as f:
            state = json.load(f)
        if state.get("format") != FORMAT:
            raise ValueError(f"GANTrainer: {json_path} is not a GAN checkpoint")
        settings = {"batch_size": self.batch_size, "num_real": len(self.X),
                    "noise_dim": self.noise_dim}
        for key, value in settings.items():
            if state["settings"][key] != value:
                raise ValueError(f"GANTrainer: cannot resume from {json_path}: its {key} is "
                                 f"{state['settings'][key]!r} but this trainer's is {value!r}")
        npz_path = os.path.join(os.path.dirname(json_path), state["arrays"])
        with np.load(npz_path, allow_pickle=False) as npz:
            arrays = {key: npz[key] for key in npz.files}
        for player in PLAYERS:
            net, configs = getattr(self, player), self.optim_configs[player]
            for p, w in net.params.items():
                key = f"{player}/params/{p}"
                if key not in arrays or arrays[key].shape != w.shape:
                    raise ValueError(f"GANTrainer: {json_path} has no {player} param {p!r} "
                                     f"of shape {w.shape}")
            for p in configs:
                configs[p] = {}
            prefix = f"{player}/params/"
            net.load_state({key[len(prefix):]: w for key, w in arrays.items()
                            if key.startswith(prefix)})
        for key, value in state["optim_scalars"].items():
            player, p, name = key.split("/")
            self.optim_configs[player][p][name] = value
        for key, value in arrays.items():
            if "/optim/" in key:
                player, _, p, name = key.split("/")
                self.optim_configs[player][p][name] = value
        self.fixed_noise = arrays["fixed_noise"]
        self.iteration = state["iteration"]
        self.d_loss_history, self.g_loss_history = state["d_loss_history"], state["g_loss_history"]
        self.rng.bit_generator.state = state["rng_state"]


def run(net, X):
    """net's forward on X in train mode, keeping its caches: (output, backward), where
    backward(dout, wrt=None) gives {name: gradient} for the names in wrt (default: the
    trainable params). One forward serves the backward that comes after the loss."""
    net._set_mode("train")  # as Graph.gradients(..., mode="train") does before its forward
    values, caches = net.forward(X)

    def backward(dout, wrt=None):
        reached = net.backward(dout, values, caches, wrt=wrt)
        names = net.trainable() if wrt is None else wrt
        return {name: reached[name] for name in names if name in reached}
    return values[net.output], backward


def find(resume):
    """The .json of a GAN checkpoint: given directly, or the latest in a folder."""
    if not os.path.isdir(resume):
        path = os.path.splitext(resume)[0] + ".json"
        if not os.path.exists(path):
            raise FileNotFoundError(f"GANTrainer: no checkpoint at {resume}")
        return path
    found = []
    for name in os.listdir(resume):
        if name.startswith("gan_") and name.endswith(".json"):
            found.append((int(name[4:-5]), os.path.join(resume, name)))
    if not found:
        raise FileNotFoundError(f"GANTrainer: no GAN checkpoint in the folder {resume}")
    return max(found)[1]


def _check_settings(X, batch_size, num_iterations, sample_every, checkpoint_every):
    if not isinstance(X, np.ndarray) or X.dtype.kind != "f" or X.ndim < 2 or not len(X):
        got = f"shape {X.shape} ({X.dtype})" if isinstance(X, np.ndarray) else type(X).__name__
        raise ValueError(f"GANTrainer: X must be float examples (N, ...), got {got}")
    for name, value, minimum in (("batch_size", batch_size, 1),
                                 ("num_iterations", num_iterations, 0),
                                 ("sample_every", sample_every, 1),
                                 ("checkpoint_every", checkpoint_every or 1, 1)):
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            raise ValueError(f"GANTrainer: {name} is {value!r} but expected an integer "
                             f">= {minimum}")
