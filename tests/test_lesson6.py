"""Lesson 6's pictures, style measures and art studio, tested without a browser."""

import numpy as np
import pytest
import torch

from gan_lessons.metrics import (
    find_style_direction,
    slant,
    sort_by_classifier,
    stroke_thickness,
    style_direction,
)
from gan_lessons.models import ConditionalDCGANGenerator, DCGANGenerator, Labelled, decode
from gan_lessons.plotting import (
    FixedNoiseGrids,
    blend_images,
    class_noise,
    class_weights,
    decode_latents,
    plot_class_blend,
    plot_class_grid,
    plot_per_class,
    plot_style_walk,
    save_class_morph_gif,
)
from gan_lessons.widgets import ArtStudio


@pytest.fixture(scope="module")
def G():
    torch.manual_seed(0)
    return ConditionalDCGANGenerator(z_dim=6, n_classes=4, image_size=8, width=8).eval()


def test_class_noise_repeats_each_code_for_every_class(G):
    z = class_noise(G, n_per_class=3, seed=1)
    assert z.x.shape == (12, 6) and z.y.tolist() == [0, 0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 3]
    assert torch.equal(z.x[0], z.x[3]) and torch.equal(z.x[2], z.x[11]) and not torch.equal(z.x[0], z.x[1])
    assert decode_latents(G, z).shape == (12, 1, 8, 8)


def test_fixed_noise_grids_draw_a_conditional_g(G):
    grids = FixedNoiseGrids(class_noise(G, 2), every=1)
    grids.snapshot(G, 0)
    assert grids.grids[0].shape == (8, 1, 8, 8)
    np.testing.assert_allclose(grids.grids[0], decode(G, class_noise(G, 2)))


def test_class_weights_and_blends(G):
    w = class_weights(4, 1, 3, [0.0, 0.25, 1.0])
    assert w.tolist() == [[0, 1, 0, 0], [0, 0.75, 0, 0.25], [0, 0, 0, 1]]
    z = torch.randn(6)
    ends = blend_images(G, z, 1, 3, [0.0, 1.0])
    np.testing.assert_allclose(ends[:1], decode(G, Labelled(z[None], torch.tensor([1]))), atol=1e-6)
    np.testing.assert_allclose(ends[1:], decode(G, Labelled(z[None], torch.tensor([3]))), atol=1e-6)
    with pytest.raises(ValueError):
        class_weights(4, 0, 4, 0.5)


def test_lesson6_pictures_draw(G, tmp_path):
    from matplotlib.figure import Figure

    ax = plot_class_grid(G, class_noise(G, 5), class_names=["a", "b", "c", "d"])
    assert [t.get_text() for t in ax.get_yticklabels()] == ["a", "b", "c", "d"]
    plot_class_blend(G, torch.randn(6), 0, 2, n=5)
    plot_style_walk(G, torch.randn(6), 1, torch.ones(6) / 6**0.5, alphas=(-1, 0, 1))
    report = {"accuracy_per_class": [0.9] * 10, "accuracy": 0.9, "fid_per_class": [5.0] * 10,
              "fid_baseline_per_class": [3.0] * 10}  # fmt: skip
    axes = plot_per_class(report, axes=Figure().subplots(1, 2))
    assert len(axes[0].patches) == 10 and len(axes[1].patches) == 20
    gif = save_class_morph_gif(G, torch.randn(6), [0, 1, 2], tmp_path / "m.gif", frames_per_leg=4)
    from PIL import Image

    with Image.open(gif) as im:
        assert im.n_frames == 12
    with pytest.raises(ValueError, match="unconditional"):
        plot_class_grid(DCGANGenerator(4, 8, width=8))
    with pytest.raises(ValueError, match=r"\.gif"):
        save_class_morph_gif(G, torch.randn(6), [0, 1], tmp_path / "m.png")
    with pytest.raises(ValueError, match="class_names"):
        plot_class_grid(G, class_names=["a"])


def _line(cols):
    """An 8x8 image with ink at (row r, column cols[r])."""
    x = -np.ones((1, 1, 8, 8))
    for r, c in enumerate(cols):
        x[0, 0, r, c] = 1.0
    return x


def test_slant_and_thickness_measure_what_they_say():
    upright = _line([4] * 8)
    leaning_right = _line([7, 6, 5, 4, 4, 3, 2, 1])  # the top is to the right of the bottom
    leaning_left = _line([1, 2, 3, 4, 4, 5, 6, 7])
    assert abs(slant(upright)[0]) < 1e-9
    assert slant(leaning_right)[0] > 0.5 and slant(leaning_left)[0] < -0.5
    assert stroke_thickness(upright)[0] == pytest.approx(8 / 64)
    thick = upright.copy()
    thick[..., 3] = 1.0
    assert stroke_thickness(thick)[0] > stroke_thickness(upright)[0]


def test_style_direction_recovers_a_planted_direction():
    g = torch.Generator().manual_seed(0)
    z = torch.randn(500, 5, generator=g) @ torch.randn(5, 5, generator=g) + 3.0  # correlated, off-centre codes
    true = torch.tensor([0.6, 0.0, -0.8, 0.0, 0.0])
    m = z @ true + 10.0 + 0.01 * torch.randn(500, generator=g)
    d = style_direction(z, m)
    assert d.shape == (5,) and float(d.norm()) == pytest.approx(1.0, abs=1e-5)
    assert float(d @ true) > 0.999
    with pytest.raises(ValueError, match="N > z_dim"):
        style_direction(z[:3], m[:3])


def test_find_style_direction_on_a_generator(G):
    d, r = find_style_direction(G, "thickness", n=200)
    assert d.shape == (6,) and -1 <= r <= 1
    codes = torch.randn(100, 6, generator=torch.Generator().manual_seed(1))
    y = torch.arange(100) % 4
    more, less = (stroke_thickness(decode(G, Labelled(codes + a * d, y))).mean() for a in (1.0, -1.0))
    if r > 0.3:  # a direction that explains the measure moves it the right way
        assert more > less
    with pytest.raises(ValueError, match="style"):
        find_style_direction(G, "colour")


def test_sort_by_classifier_keeps_what_the_classifier_reads():
    from gan_lessons.metrics import classify_digits

    torch.manual_seed(0)
    G4 = DCGANGenerator(8, 8, width=8).eval()
    x, y, draws = sort_by_classifier(G4, 2, seed=0, batch=500, max_draws=1000)
    assert draws <= 1000 and len(x) == len(y) and len(x) <= 20
    if len(x):
        assert (classify_digits(x)[0] == y).all()


def test_art_studio_without_a_browser(G, tmp_path):
    studio = ArtStudio(G, ["cat", "dog", "owl", "bee"], n_free=1, seed=3)
    assert set(studio.alphas) == {"slant", "thickness", "free 1"}
    first = studio.image.copy()
    studio.update(a=1, b=2, t=0.5, slant=1.5)
    assert "0.50 dog + 0.50 owl" in studio.caption() and "slant +1.5" in studio.caption()
    np.testing.assert_allclose(studio.image, blend_images(G, studio.code(), 1, 2, 0.5)[0], atol=1e-6)
    assert torch.allclose(studio.code(), studio.z0 + 1.5 * studio.directions["slant"])
    with pytest.raises(ValueError, match="gallery is empty"):
        studio.save_gallery(tmp_path / "g.png")
    assert studio.keep() == 1
    studio.update(seed=4)
    assert not np.allclose(studio.image, first)
    assert studio.keep() == 2
    from PIL import Image

    with Image.open(studio.save_gallery(tmp_path / "g.png", scale=4)) as im:
        assert im.size == ((2 * 8 + 3) * 4, (8 + 2) * 4)  # two tiles in a one-pixel frame, enlarged 4x
    with Image.open(studio.save_gif(tmp_path / "m.gif", frames_per_leg=3)) as im:
        assert im.n_frames == 6
    with pytest.raises(ValueError, match="unknown style slider"):
        studio.update(width=1)
    with pytest.raises(ValueError):
        studio.update(a=4)
    with pytest.raises(ValueError, match="conditional"):
        ArtStudio(DCGANGenerator(4, 8, width=8))


def test_art_studio_widget_buttons_call_its_methods(G, tmp_path):
    pytest.importorskip("ipywidgets")
    studio = ArtStudio(G, n_free=0)
    box = studio.widget(gallery_png=tmp_path / "g.png", gif=tmp_path / "m.gif")
    controls = box.children[0].children[0].children
    pick_a, pick_b, blend = controls[:3]
    pick_a.value, pick_b.value, blend.value = 2, 3, 1.0
    assert (studio.a, studio.b, studio.t) == (2, 3, 1.0)
    keep, export_png, export_gif = box.children[1].children
    export_png.click()
    assert "gallery is empty" in box.children[2].value  # the error is shown, not raised
    keep.click()
    export_png.click()
    export_gif.click()
    assert (tmp_path / "g.png").is_file() and (tmp_path / "m.gif").is_file()
    assert box.children[3].children[0].value == studio._gallery_image.value  # the gallery shows what was kept
    assert len(studio.gallery) == 1 and "saved" in box.children[2].value
