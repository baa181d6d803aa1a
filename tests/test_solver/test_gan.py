"""The GAN: builders (the generator's fixed blur against scipy), a few training steps with
both losses, train and test modes, the generator's gradient through the discriminator
checked numerically, sample grids, and bit-exact resume."""
import os

import numpy as np
import pytest
from scipy.ndimage import gaussian_filter

from gradcheck import eval_numerical_gradient_array, rel_error
from layers import mse, sigmoid_cross_entropy
from nets.gan import discriminator, generator
from solver.gan import GANTrainer
from solver.plots import plot_gan_losses, sample_grid

LOSSES = ("vanilla", "least_squares")


def _pair(loss, dtype=np.float32, noise_dim=5, hidden=(7,), image_shape=(1, 4, 4)):
    G = generator(noise_dim, hidden, image_shape, seed=0, dtype=dtype)
    D = discriminator(image_shape, hidden, loss=loss, seed=1, dtype=dtype)
    return G, D


def _real(rng, N=30, dtype=np.float32):
    return np.tanh(rng.standard_normal((N, 1, 4, 4)) + 0.5).astype(dtype)


def test_builders_shapes_ranges_and_losses(rng):
    G, D = _pair("vanilla")
    fake = G.loss(rng.uniform(-1, 1, (3, 5)).astype(np.float32))
    assert fake.shape == (3, 16) and fake.dtype == np.float32 and np.abs(fake).max() <= 1
    assert D.loss(fake).shape == (3, 1)
    assert set(G.params) == {"W1", "b1", "gamma1", "beta1", "W2", "b2", "W_blur", "b_blur"}
    assert set(G.trainable()) == set(G.params) - {"W_blur", "b_blur"}
    assert set(generator(5, (7,), (1, 4, 4), normalization=None, blur=None).params) \
        == {"W1", "b1", "W2", "b2"}
    assert D.loss_layer is sigmoid_cross_entropy
    assert _pair("least_squares")[1].loss_layer is mse
    with pytest.raises(ValueError, match="discriminator: loss is 'wasserstein'"):
        discriminator(loss="wasserstein")
    with pytest.raises(ValueError, match="normalization 'groupnorm' is not known"):
        generator(normalization="groupnorm")


@pytest.mark.parametrize("sigma", [0.5, 1.0])
def test_the_generators_blur_is_scipys_gaussian_filter(rng, sigma):
    G = generator(5, (7,), (1, 6, 5), normalization=None, blur=sigma, dtype=np.float64)
    values, _ = G.forward(rng.uniform(-1, 1, (3, 5)))
    learned = values[G.nodes[-3].name]  # the last affine with trained weights
    expected = gaussian_filter(learned.reshape(3, 1, 6, 5), (0, 0, sigma, sigma), mode="reflect")
    np.testing.assert_allclose(values["blur"], expected.reshape(3, 30), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("loss", LOSSES)
def test_a_tiny_gan_trains_a_few_steps_with_finite_losses(rng, loss):
    G, D = _pair(loss)
    before = [{p: w.copy() for p, w in net.params.items()} for net in (G, D)]
    trainer = GANTrainer(G, D, _real(rng), batch_size=8, num_iterations=5, sample_every=2,
                         verbose=False)
    trainer.train()
    assert len(trainer.d_loss_history) == len(trainer.g_loss_history) == 5
    assert np.all(np.isfinite(trainer.d_loss_history + trainer.g_loss_history))
    for net, params in zip((G, D), before):
        for p, w in params.items():  # the frozen blur stays, every trainable param moved
            assert np.array_equal(net.params[p], w) == (p in net.frozen), p
    assert [it for it, _ in trainer.samples] == [2, 4, 5]
    assert trainer.samples[-1][1].shape == (16, 1, 4, 4)


@pytest.mark.parametrize("loss", LOSSES)
def test_discriminator_loss_is_the_two_halves_of_its_loss_layer(rng, loss):
    G, D = _pair(loss, dtype=np.float64)
    trainer = GANTrainer(G, D, _real(rng, dtype=np.float64), verbose=False)
    real, fake = _real(rng, 6, np.float64), G.loss(rng.uniform(-1, 1, (6, 5)))
    value, grads = trainer.discriminator_step(real, fake)
    s_real, s_fake = D.loss(real), D.loss(fake)
    if loss == "vanilla":  # -log sigmoid(s) on the real ones, -log(1 - sigmoid(s)) on fakes
        expected = np.mean(np.log1p(np.exp(-s_real))) + np.mean(np.log1p(np.exp(s_fake)))
    else:                  # 0.5 (s - 1)^2 on the real ones, 0.5 s^2 on the fakes
        expected = 0.5 * np.mean((s_real - 1) ** 2) + 0.5 * np.mean(s_fake ** 2)
    assert abs(value - expected) < 1e-12
    assert set(grads) == set(D.params)


@pytest.mark.parametrize("loss", LOSSES)
def test_generator_gradient_through_the_discriminator_is_numerically_right(rng, loss):
    G, D = _pair(loss, dtype=np.float64, hidden=(6, 5))
    # shifts off zero: a unit whose inputs are all 0 sits on relu's kink
    for net, shifts in ((G, ("beta1", "beta2")), (D, ("b1", "b2"))):
        for p in shifts:
            net.params[p] = 0.1 * rng.standard_normal(net.params[p].shape)
    trainer = GANTrainer(G, D, _real(rng, dtype=np.float64), verbose=False)
    z = rng.uniform(-1, 1, (4, 5))
    value, grads = trainer.generator_step(z)
    assert set(grads) == set(G.trainable())

    def generator_loss(_):
        return trainer.generator_step(z)[0]
    for p in G.trainable():
        numeric = eval_numerical_gradient_array(generator_loss, G.params[p], np.array(1.0))
        if p in ("b1", "b2"):  # batchnorm subtracts the batch mean: these biases do nothing
            assert np.abs(grads[p]).max() < 1e-12 and np.abs(numeric).max() < 1e-9, p
        else:  # 1e-6: entries near 0 (W3 has a few near 5e-6) limit centered differences
            assert rel_error(grads[p], numeric) < 1e-6, p
    D_before = {p: w.copy() for p, w in D.params.items()}
    trainer.generator_step(z)
    assert all(np.array_equal(D.params[p], w) for p, w in D_before.items())


def test_training_runs_in_train_mode_and_samples_in_test_mode(rng):
    G, D = _pair("vanilla")
    bn_param = G.nodes[1].args["bn_param"]
    trainer = GANTrainer(G, D, _real(rng), batch_size=8, num_iterations=3, verbose=False)
    blur = G.params["W_blur"].copy()
    trainer.step()
    assert bn_param["mode"] == "train" and "running_mean" in bn_param
    running = bn_param["running_mean"].copy()
    samples = trainer.take_samples()
    assert bn_param["mode"] == "test"
    np.testing.assert_array_equal(bn_param["running_mean"], running)  # sampling leaves them
    np.testing.assert_array_equal(samples.reshape(16, -1), G.loss(trainer.fixed_noise))
    trainer.step()  # back in train mode: batch statistics, running ones updated
    assert bn_param["mode"] == "train" and not np.array_equal(bn_param["running_mean"], running)
    np.testing.assert_array_equal(G.params["W_blur"], blur)  # frozen: never updated
    assert "W_blur" not in trainer.optim_configs["generator"]


@pytest.mark.parametrize("loss", LOSSES)
def test_resume_is_bit_exact(rng, tmp_path, loss):
    X = _real(rng)
    straight = GANTrainer(*_pair(loss), X, batch_size=8, num_iterations=6, verbose=False,
                          seed=3)
    straight.train()
    first = GANTrainer(*_pair(loss), X, batch_size=8, num_iterations=3, verbose=False, seed=3,
                       out_dir=str(tmp_path), checkpoint_every=3)
    first.train()
    saved = sorted(os.listdir(tmp_path / "checkpoints"))
    assert saved == ["gan_3.json", "gan_3.npz"]
    assert not [name for name in os.listdir(tmp_path) if name.endswith(".tmp")]
    G, D = _pair(loss, noise_dim=5)
    for w in G.params.values():
        w[...] = 0  # whatever the fresh nets hold, the checkpoint replaces it
    resumed = GANTrainer(G, D, X, batch_size=8, num_iterations=6, verbose=False, seed=99,
                         resume=str(tmp_path / "checkpoints"))
    assert resumed.iteration == 3
    resumed.train()
    assert resumed.d_loss_history == straight.d_loss_history
    assert resumed.g_loss_history == straight.g_loss_history
    for player in ("generator", "discriminator"):
        for p, w in getattr(straight, player).params.items():
            np.testing.assert_array_equal(getattr(resumed, player).params[p], w)
    np.testing.assert_array_equal(resumed.fixed_noise, straight.fixed_noise)
    # the samples use batchnorm's running statistics, which the checkpoint carries
    np.testing.assert_array_equal(resumed.take_samples(), straight.take_samples())


def test_samples_are_written_as_png_and_losses_plotted(rng, tmp_path):
    trainer = GANTrainer(*_pair("vanilla"), _real(rng), batch_size=4, num_iterations=2,
                         sample_every=1, verbose=False, out_dir=str(tmp_path))
    trainer.train()
    assert sorted(os.listdir(tmp_path)) == ["samples_1.png", "samples_2.png"]
    fig = plot_gan_losses(trainer)
    assert [line.get_label() for line in fig.axes[0].lines if not line.get_label().startswith("_")] \
        == ["discriminator", "generator"]


def test_sample_grid_maps_minus_one_to_black_and_one_to_white_with_gray_gaps():
    images = np.stack([-np.ones((1, 2, 2)), np.ones((1, 2, 2))])
    grid = sample_grid(images, padding=1, cols=2)
    np.testing.assert_array_equal(grid, [[0, 0, 0.5, 1, 1], [0, 0, 0.5, 1, 1]])


@pytest.mark.parametrize("options, message", [
    ({"batch_size": 0}, "GANTrainer: batch_size is 0"),
    ({"checkpoint_every": 2.5}, "GANTrainer: checkpoint_every is 2.5"),
])
def test_bad_settings_name_the_trainer_and_the_value(rng, options, message):
    with pytest.raises(ValueError, match=message):
        GANTrainer(*_pair("vanilla"), _real(rng), **options)
    with pytest.raises(ValueError, match=r"GANTrainer: X must be float examples"):
        GANTrainer(*_pair("vanilla"), np.zeros((3, 16), dtype=int))
