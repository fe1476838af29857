"""Lesson 4's pictures and widgets: grids, fixed-noise snapshots, curves, latent paths, saving, explorers."""

import numpy as np
import pytest
import torch
from PIL import Image

from gan_lessons import plotting as P
from gan_lessons import widgets as W
from gan_lessons.data import load_digits
from gan_lessons.models import DCGANDiscriminator, DCGANGenerator
from gan_lessons.recipes import DCGANConfig, steps_per_epoch
from gan_lessons.runs import run


@pytest.fixture
def G():
    torch.manual_seed(0)
    return DCGANGenerator(z_dim=8, image_size=8, channels=1, width=8)


def test_image_grid_tiles_and_scales():
    x = -torch.ones(5, 1, 8, 8)
    x[2] = 1.0
    g = P.image_grid(x, nrow=3, pad=1)
    assert g.shape == (2 * 9 + 1, 3 * 9 + 1)
    assert g[1, 1] == 0.0 and g[0, 0] == 0.5  # background -1 -> 0, padding mid-grey
    assert g[1 + 4, 1 + 2 * 9 + 4] == 1.0  # image 2 (row 0, col 2) is white
    assert g[10 + 4, 10 + 9 + 4] == 0.5  # the empty sixth slot stays grey
    rgb = P.image_grid(np.zeros((4, 3, 16, 16), np.float32))
    assert rgb.shape == (2 * 17 + 1, 2 * 17 + 1, 3)
    with pytest.raises(ValueError, match="images must have shape"):
        P.image_grid(torch.zeros(4, 2, 8, 8))
    with pytest.raises(TypeError, match="images"):
        P.image_grid([1, 2, 3])
    with pytest.raises(ValueError, match="nrow"):
        P.image_grid(torch.zeros(4, 1, 8, 8), nrow=0)


def test_decode_latents_uses_eval_mode_and_restores_it(G):
    G.train()
    bn = next(m for m in G.modules() if isinstance(m, torch.nn.BatchNorm2d))
    before = bn.running_mean.clone()
    z = torch.randn(6, 8)
    x = P.decode_latents(G, z)
    assert x.shape == (6, 1, 8, 8) and isinstance(x, np.ndarray)
    assert G.training and torch.equal(bn.running_mean, before)  # no statistics updated
    assert np.allclose(P.decode_latents(G, z[0]), x[:1], atol=1e-6)  # one code works too


def test_fixed_noise_grids_one_per_epoch_and_resume_free():
    images = load_digits(8)[:256]
    cfg = DCGANConfig(image_size=8, z_dim=8, g_width=8, d_width=8, epochs=3, batch_size=64)
    spe = steps_per_epoch(len(images), cfg.batch_size)
    z = torch.randn(16, cfg.z_dim, generator=torch.Generator().manual_seed(0))
    snaps = P.FixedNoiseGrids(z, every=spe)
    r = run(cfg, images=images, callbacks=[snaps])
    assert snaps.steps == [spe, 2 * spe, 3 * spe] and len(snaps.grids) == 3
    assert snaps.grids[0].shape == (16, 1, 8, 8)
    assert not np.allclose(snaps.grids[0], snaps.grids[-1])  # G changed between epochs
    assert np.allclose(snaps.grids[-1], P.decode_latents(r.G, z), atol=1e-6)  # the last one is the final G
    with pytest.raises(ValueError, match="every"):
        P.FixedNoiseGrids(z, every=0)
    axes = P.plot_dcgan_curves(r.history, steps_per_epoch=spe)
    assert len(axes) == 2 and axes[0].get_xlabel() == "epoch"
    assert len(axes[1].get_lines()) == 3  # D(x), D(G(z)) and the 1/2 line
    scrub = W.GridScrubber(snaps, steps_per_epoch=spe)
    assert scrub.index == 2 and "epoch 3" in scrub.figure.axes[0].get_title()
    scrub.show(0)
    assert "epoch 1 " in scrub.figure.axes[0].get_title()


def test_plot_dcgan_curves_needs_a_history():
    from gan_lessons.training import History

    with pytest.raises(ValueError, match="empty"):
        P.plot_dcgan_curves(History())


def test_class_histogram_marks_starved_classes():
    shares = np.full(10, 0.1)
    shares[3], shares[4] = 0.02, 0.18
    ax = P.plot_class_histogram(shares)
    colors = [p.get_facecolor() for p in ax.patches]
    assert colors[3] != colors[0] and colors[4] == colors[0]
    with pytest.raises(ValueError, match="10 entries"):
        P.plot_class_histogram(np.ones(9) / 9)


def test_nearest_neighbours_figure():
    images = load_digits(8)
    fig = P.plot_nearest_neighbours(images[:3].numpy() * 0.9, images, k=2)
    assert len(fig.axes) == 3 * 3
    assert fig.axes[1].get_title().startswith("d=")


def test_latent_path():
    g = torch.Generator().manual_seed(0)
    z0, z1 = torch.randn(32, generator=g), torch.randn(32, generator=g)
    z1 = z1 / z1.norm() * z0.norm()  # equal norms: slerp keeps the norm all the way
    path = P.latent_path(z0, z1, 7)
    assert path.shape == (7, 32)
    assert torch.allclose(path[0], z0, atol=1e-5) and torch.allclose(path[-1], z1, atol=1e-5)
    assert torch.allclose(path.norm(dim=1), z0.norm().expand(7), rtol=1e-4)
    line = P.latent_path(z0, z1, 7, mode="linear")
    assert torch.allclose(line[3], (z0 + z1) / 2) and line[3].norm() < 0.9 * z0.norm()  # the line cuts inside
    assert torch.allclose(P.latent_path(z0, 2 * z0, 3)[1], 1.5 * z0)  # parallel codes: a straight line
    for bad, match in [(dict(n=1), "n must"), (dict(mode="cubic"), "mode")]:
        with pytest.raises(ValueError, match=match):
            P.latent_path(z0, z1, **{"n": 5, **bad})
    with pytest.raises(ValueError, match="same size"):
        P.latent_path(z0, z1[:3])


def test_plot_interpolation(G):
    ax = P.plot_interpolation(G, torch.zeros(8) + 1, -torch.ones(8), n=6)
    assert ax.get_images()[0].get_array().shape == (1 * 9 + 1, 6 * 9 + 1)


def test_save_image_and_gif(G, tmp_path):
    x = load_digits(8)[:6]
    p = P.save_image(x, tmp_path / "grid.png", nrow=3, scale=4)
    with Image.open(p) as im:
        assert im.format == "PNG" and im.size == ((3 * 9 + 1) * 4, (2 * 9 + 1) * 4)
    with Image.open(P.save_image(x[0], tmp_path / "one.png", scale=5)) as im:
        assert im.size == (40, 40)  # one image: no border
        assert np.array_equal(np.asarray(im)[::5, ::5], np.round((x[0, 0].numpy() + 1) / 2 * 255))  # crisp pixels
    gif = P.save_morph_gif(G, torch.randn(3, 8), tmp_path / "morph.gif", frames_per_leg=4, scale=2)
    with Image.open(gif) as im:
        assert im.format == "GIF" and im.n_frames == 12 and im.info.get("loop") == 0
    assert not list(tmp_path.glob(".*.tmp"))
    with pytest.raises(ValueError, match=".png"):
        P.save_image(x, tmp_path / "grid.jpg")
    with pytest.raises(ValueError, match="does not exist"):
        P.save_image(x, tmp_path / "nowhere" / "grid.png")
    with pytest.raises(ValueError, match="k >= 2"):
        P.save_morph_gif(G, torch.randn(1, 8), tmp_path / "m.gif")
    with pytest.raises(ValueError, match="scale"):
        P.save_image(x, tmp_path / "grid.png", scale=0)


def test_grid_scrubber_from_lists_and_widget():
    grids = [np.full((4, 1, 8, 8), v, np.float32) for v in (-1.0, 0.0, 1.0)]
    scrub = W.GridScrubber(grids, steps=[0, 10, 20])
    assert scrub.index == 2 and scrub.figure.axes[0].get_title() == "step 20"
    ui = scrub.widget()
    slider = ui.children[0].children[1]
    before = scrub._image.value
    slider.value = 0  # what dragging the slider does
    assert scrub.index == 0 and scrub.figure.axes[0].get_title() == "step 0" and scrub._image.value != before
    with pytest.raises(ValueError, match="i must be"):
        scrub.show(3)
    with pytest.raises(ValueError, match="empty"):
        W.GridScrubber([])
    with pytest.raises(ValueError, match="steps has"):
        W.GridScrubber(grids, steps=[0])


def test_latent_explorer(G, tmp_path):
    ex = W.LatentExplorer(G, n_directions=3, seed=1)
    d = ex.directions
    assert d.shape == (3, 8)
    assert torch.allclose(d @ d.T, torch.eye(3) * 8 / 4, atol=1e-5)  # orthogonal, length sqrt(z_dim)/2
    z = ex.update([1.0, 0.0, -2.0])
    assert torch.allclose(z, ex.z0 + d[0] - 2 * d[2], atol=1e-6)
    assert np.allclose(ex.image, P.decode_latents(G, z[None])[0], atol=1e-6)
    p = ex.save(tmp_path / "fav.png", scale=4)
    with Image.open(p) as im:
        assert im.size == (32, 32)
    ui = ex.widget(save_to=tmp_path / "button.png")
    sliders = ui.children[0].children[:3]
    sliders[1].value = 2.0
    assert ex.alphas == [1.0, 2.0, -2.0]
    ui.children[0].children[3].children[0].click()
    assert (tmp_path / "button.png").is_file()
    with pytest.raises(ValueError, match="alphas"):
        ex.update([1.0, 2.0])
    with pytest.raises(ValueError, match="n_directions"):
        W.LatentExplorer(G, n_directions=9)
    with pytest.raises(ValueError, match="z0"):
        W.LatentExplorer(G, z0=torch.zeros(5))


# ------------------------------------------------------------------ the course's full-resolution DCGAN


@pytest.mark.parametrize("size", [8, 16, 28, 32, 64])
@pytest.mark.parametrize("channels", [1, 3])
def test_full_res_dcgan_shapes(size, channels):
    G = DCGANGenerator(z_dim=10, image_size=size, channels=channels, width=8, full_res=True)
    D = DCGANDiscriminator(image_size=size, channels=channels, width=8, full_res=True)
    x = G(torch.randn(4, 10))
    assert x.shape == (4, channels, size, size) and x.abs().max() <= 1.0
    assert D(x).shape == (4,)


def test_full_res_8x8_layers():
    G = DCGANGenerator(z_dim=32, image_size=8, width=64, full_res=True)
    kinds = [(type(m).__name__, getattr(m, "out_channels", None)) for m in G.net]
    assert kinds == [
        ("ConvTranspose2d", 128), ("BatchNorm2d", None), ("ReLU", None),  # 1 -> 4x4
        ("ConvTranspose2d", 64), ("BatchNorm2d", None), ("ReLU", None),  # 4 -> 8x8, hidden features
        ("Conv2d", 1), ("Tanh", None),  # 3x3 at 8x8 -> the image
    ]  # fmt: skip
    assert G.net[6].kernel_size == (3, 3) and G.net[6].stride == (1, 1)
    D = DCGANDiscriminator(image_size=8, width=64, full_res=True)
    kinds = [(type(m).__name__, getattr(m, "out_channels", None)) for m in D.net]
    assert kinds == [
        ("Conv2d", 64), ("LeakyReLU", None),  # 3x3 at 8x8
        ("Conv2d", 128), ("BatchNorm2d", None), ("LeakyReLU", None),  # -> 4x4
        ("Conv2d", 1),  # -> the logit
    ]  # fmt: skip
    assert D.net[0].kernel_size == (3, 3) and D.net[2].bias is None


def test_full_res_in_config():
    from gan_lessons.runs import build_dcgan

    G, D, _, _ = build_dcgan(DCGANConfig(image_size=8, full_res=True))
    assert isinstance(G.net[-2], torch.nn.Conv2d) and G(torch.randn(2, G.z_dim)).shape == (2, 1, 8, 8)
    with pytest.raises(TypeError, match="full_res"):
        DCGANConfig(full_res=1)


@pytest.mark.parametrize("full_res", [True, False])
@pytest.mark.parametrize("size", [8, 16, 28])
def test_extra_layers_add_3x3_blocks_before_the_output(full_res, size):
    plain = DCGANGenerator(z_dim=8, image_size=size, width=8, full_res=full_res)
    G = DCGANGenerator(z_dim=8, image_size=size, width=8, full_res=full_res, extra_layers=2)
    assert len(G.net) == len(plain.net) + 6
    added = list(G.net)[len(plain.net) - 2 : len(plain.net) + 4]  # the blocks sit just before the output layer
    kinds = [type(m).__name__ for m in added]
    assert kinds == ["Conv2d", "BatchNorm2d", "ReLU"] * 2
    c = added[0].in_channels
    assert all(m.kernel_size == (3, 3) and m.stride == (1, 1) and m.out_channels == c for m in added[::3])
    assert G(torch.randn(3, 8)).shape == (3, 1, size, size)
    assert type(G.net[-1]).__name__ == "Tanh"


@pytest.mark.parametrize("sn", [False, True])
@pytest.mark.parametrize("full_res", [True, False])
def test_discriminator_extra_layers_follow_every_conv(full_res, sn):
    plain = DCGANDiscriminator(image_size=16, width=8, full_res=full_res, spectral_norm=sn)
    D = DCGANDiscriminator(image_size=16, width=8, full_res=full_res, spectral_norm=sn, extra_layers=1)
    convs = [m for m in plain.net if "Conv2d" in type(m).__name__]
    extra = [m for m in D.net if "Conv2d" in type(m).__name__]
    assert len(extra) == 2 * (len(convs) - 1) + 1  # one 3x3 after each hidden conv; the logit conv stays last
    for before, after in zip(extra[:-1:2], extra[1:-1:2], strict=True):  # (conv, its extra 3x3) pairs
        assert after.kernel_size == (3, 3) and after.stride == (1, 1)
        assert after.in_channels == after.out_channels == before.out_channels
    norms = sum(isinstance(m, torch.nn.BatchNorm2d) for m in D.net) - sum(
        isinstance(m, torch.nn.BatchNorm2d) for m in plain.net
    )
    assert norms == (0 if sn else len(convs) - 1)
    x = torch.randn(5, 1, 16, 16)
    assert D(x).shape == (5,)


def test_extra_layers_bad_values():
    with pytest.raises(ValueError, match="extra_layers"):
        DCGANGenerator(image_size=8, extra_layers=-1)
    with pytest.raises(TypeError, match="extra_layers"):
        DCGANGenerator(image_size=8, extra_layers=1.0)
    with pytest.raises(ValueError, match="g_extra_layers"):
        DCGANConfig(g_extra_layers=-1)
    with pytest.raises(TypeError, match="g_extra_layers"):
        DCGANConfig(g_extra_layers=True)
    with pytest.raises(ValueError, match="extra_layers"):
        DCGANDiscriminator(image_size=8, extra_layers=-2)
    with pytest.raises(ValueError, match="d_extra_layers"):
        DCGANConfig(d_extra_layers=-1)


def test_default_recipe_networks_have_their_extra_layers():
    from gan_lessons.runs import build_dcgan

    cfg = DCGANConfig()
    G, D, _, _ = build_dcgan(cfg)
    assert cfg.g_extra_layers == 1 and cfg.d_extra_layers == 1
    convs = [m for m in G.net if isinstance(m, torch.nn.Conv2d) and not isinstance(m, torch.nn.ConvTranspose2d)]
    assert [(m.in_channels, m.out_channels) for m in convs] == [(cfg.g_width, cfg.g_width), (cfg.g_width, 1)]
    w = cfg.d_width
    shapes = [
        (m.in_channels, m.out_channels, m.kernel_size[0], m.stride[0]) for m in D.net if isinstance(m, torch.nn.Conv2d)
    ]
    assert shapes == [(1, w, 3, 1), (w, w, 3, 1), (w, 2 * w, 4, 2), (2 * w, 2 * w, 3, 1), (2 * w, 1, 4, 1)]


def test_checkpoint_config_from_before_extra_layers_loads_without_them():
    from dataclasses import asdict

    from gan_lessons.recipes import config_from_dict

    old = {"kind": "dcgan", **asdict(DCGANConfig())}
    del old["g_extra_layers"], old["d_extra_layers"]
    assert config_from_dict(old).g_extra_layers == 0 and config_from_dict(old).d_extra_layers == 0
    new = config_from_dict({"kind": "dcgan", **asdict(DCGANConfig(g_extra_layers=2, d_extra_layers=3))})
    assert (new.g_extra_layers, new.d_extra_layers) == (2, 3)


def test_epochs_default_depends_on_the_data():
    assert DCGANConfig().epochs == 70  # the digits: 3,920 steps
    assert DCGANConfig(data="mnist").epochs == 5  # 60,000 images: 9,375 steps
    assert DCGANConfig(data="fashion-mnist").epochs == 5
    assert DCGANConfig(data="my_folder").epochs == 70
    assert DCGANConfig(data="mnist", epochs=2).epochs == 2
    with pytest.raises(ValueError, match="epochs"):
        DCGANConfig(epochs=0)
    with pytest.raises(ValueError, match="data"):
        DCGANConfig(data=["digits"])
