"""Lesson 6's package support: conditional players, labelled data, runs, sampling by class, the command line."""

from dataclasses import replace

import numpy as np
import pytest
import torch
from test_cli import assert_one_line_error, cli  # the command line's test helpers

from gan_lessons import runs
from gan_lessons.data import class_names, load_digits, load_image_classes, load_labelled_images
from gan_lessons.metrics.conditional import (
    class_accuracy,
    per_class_accuracy,
    per_class_fid,
    sample_per_class,
    within_class_diversity,
)
from gan_lessons.models import (
    CONDITIONINGS,
    ConditionalDCGANDiscriminator,
    ConditionalDCGANGenerator,
    DCGANGenerator,
    Labelled,
    decode,
    sample_noise,
)
from gan_lessons.recipes import DCGANConfig
from gan_lessons.training import EMA, train

TINY = {"z_dim": 8, "g_width": 8, "d_width": 8, "batch_size": 16, "conditional": True}


def _digits(n=160):
    x, y = load_digits(8, return_labels=True, split="train")
    return x[:n], y[:n]


# ---------------------------------------------------------------------------------- the players


@pytest.mark.parametrize("size", [8, 16, 28])
@pytest.mark.parametrize("conditioning", CONDITIONINGS)
def test_conditional_players_shapes_and_pairs(size, conditioning):
    G = ConditionalDCGANGenerator(z_dim=6, n_classes=4, image_size=size, width=8)
    D = ConditionalDCGANDiscriminator(n_classes=4, image_size=size, width=8, conditioning=conditioning)
    z, y = torch.randn(5, 6), torch.tensor([0, 1, 2, 3, 1])
    x = G(z, y)
    assert x.shape == (5, 1, size, size) and x.abs().max() <= 1
    pair = G(Labelled(z, y))  # Algorithm 1 passes pairs: (z, y) -> (G(z, y), y)
    assert isinstance(pair, Labelled) and torch.equal(pair.y, y) and torch.allclose(pair.x, x)
    assert D(x, y).shape == (5,)
    assert torch.allclose(D(pair), D(x, y))


def test_the_label_changes_the_image_and_the_logit():
    torch.manual_seed(0)
    G = ConditionalDCGANGenerator(z_dim=6, n_classes=3, image_size=8, width=8).eval()
    z = torch.randn(1, 6).expand(3, 6)
    x = G(z, torch.tensor([0, 1, 2]))
    assert (x[0] - x[1]).abs().max() > 1e-3 and (x[1] - x[2]).abs().max() > 1e-3
    for c in CONDITIONINGS:
        D = ConditionalDCGANDiscriminator(n_classes=3, image_size=8, width=8, conditioning=c).eval()
        with torch.no_grad():
            D.embed.weight.normal_()  # a trained D's class vectors differ; at N(0, 0.02) they barely do
        logits = D(x[:1].expand(3, -1, -1, -1), torch.tensor([0, 1, 2]))
        assert logits.std() > 1e-4, c


def test_projection_logit_is_psi_plus_inner_product():
    torch.manual_seed(1)
    D = ConditionalDCGANDiscriminator(n_classes=5, image_size=8, width=8, conditioning="projection").eval()
    x, y = torch.randn(4, 1, 8, 8), torch.tensor([4, 0, 2, 2])
    phi = D.features(x)  # (B, n_features)
    psi = D.body.head(D.body.features(x)).view(-1)  # the unconditional DCGAN logit
    expected = psi + (D.embed.weight[y] * phi).sum(1)
    assert torch.allclose(D(x, y), expected, atol=1e-6)


def test_class_weights_blend_the_embeddings():
    G = ConditionalDCGANGenerator(z_dim=4, n_classes=10, image_size=8, width=8).eval()
    z = torch.randn(2, 4)
    one_hot = torch.nn.functional.one_hot(torch.tensor([3, 8]), 10).float()
    assert torch.allclose(G(z, one_hot), G(z, torch.tensor([3, 8])), atol=1e-6)  # one-hot weights = the class
    half = 0.5 * one_hot.sum(0, keepdim=True).expand(2, 10)
    e = G.embed_labels(half)
    assert torch.allclose(e, 0.5 * (G.embed.weight[3] + G.embed.weight[8]).expand(2, -1), atol=1e-6)
    with pytest.raises(ValueError, match="class weights"):
        G(z, torch.ones(2, 9))


@pytest.mark.parametrize("bad, error, words", [
    (torch.tensor([0, 10]), ValueError, "classes 0..9"),
    (torch.tensor([-1, 0]), ValueError, "classes 0..9"),
])  # fmt: skip
def test_labels_out_of_range_are_refused(bad, error, words):
    G = ConditionalDCGANGenerator(z_dim=4, n_classes=10, image_size=8, width=8)
    with pytest.raises(error, match=words):
        G(torch.randn(2, 4), bad)


def test_players_without_labels_say_so():
    G = ConditionalDCGANGenerator(z_dim=4, n_classes=3, image_size=8, width=8)
    D = ConditionalDCGANDiscriminator(n_classes=3, image_size=8, width=8)
    with pytest.raises(TypeError, match="labels"):
        G(torch.randn(2, 4))
    with pytest.raises(TypeError, match="labels"):
        D(torch.randn(2, 1, 8, 8))
    with pytest.raises(ValueError, match="conditioning"):
        ConditionalDCGANDiscriminator(conditioning="add")


def test_sample_noise_draws_pairs_for_a_conditional_g():
    G = ConditionalDCGANGenerator(z_dim=4, n_classes=3, image_size=8, width=8)
    z = sample_noise(G, 600, torch.Generator().manual_seed(0))
    assert isinstance(z, Labelled) and z.x.shape == (600, 4) and z.y.dtype == torch.int64
    counts = torch.bincount(z.y, minlength=3)
    assert counts.min() > 150  # uniform over the 3 classes
    z = sample_noise(G, 4, torch.Generator().manual_seed(0), labels=2)
    assert z.y.tolist() == [2, 2, 2, 2]
    with pytest.raises(ValueError, match="0..2"):
        sample_noise(G, 2, labels=torch.tensor([0, 3]))
    with pytest.raises(TypeError, match="whole numbers"):
        sample_noise(G, 2, labels=torch.tensor([0.5, 1.0]))
    with pytest.raises(ValueError, match="unconditional"):
        sample_noise(DCGANGenerator(4, 8, width=8), 2, labels=1)
    assert decode(G, z).shape == (4, 1, 8, 8)


def test_algorithm_1_trains_a_conditional_pair_unchanged():
    x, y = _digits(64)
    torch.manual_seed(0)
    G = ConditionalDCGANGenerator(z_dim=8, n_classes=10, image_size=8, width=8)
    D = ConditionalDCGANDiscriminator(n_classes=10, image_size=8, width=8)
    opt_g, opt_d = torch.optim.Adam(G.parameters(), 1e-3), torch.optim.Adam(D.parameters(), 1e-3)

    def sample_real(b, rng):
        idx = torch.randperm(len(x), generator=rng)[:b]
        return Labelled(x[idx], y[idx])

    before = [p.clone() for p in G.parameters()]
    ema = EMA(G, 0.9)
    h = train(G, D, opt_g, opt_d, sample_real, 5, batch_size=16, rng=torch.Generator().manual_seed(0), callbacks=[ema])
    assert len(h) == 5 and all(np.isfinite(h.loss_d)) and all(np.isfinite(h.loss_g))
    assert any(not torch.equal(a, b) for a, b in zip(before, G.parameters(), strict=True))
    assert G.embed.weight.grad is not None  # the label's embedding learns too


# ---------------------------------------------------------------------------------- labelled data


def _class_folder(root, classes, per_class=3, size=12, rgb=False):
    from PIL import Image

    rng = np.random.default_rng(0)
    for name in classes:
        (root / name).mkdir(parents=True)
        for i in range(per_class):
            shape = (size, size, 3) if rgb else (size, size)
            Image.fromarray(rng.integers(0, 255, shape, dtype=np.uint8)).save(root / name / f"{i}.png")
    return root


def test_a_folder_of_class_subfolders(tmp_path):
    root = _class_folder(tmp_path / "art", ["cats", "birds", "dogs"], per_class=2)
    (root / "empty").mkdir()
    with pytest.raises(ValueError, match="class folder empty"):  # dropping it would shift the labels after it
        load_image_classes(root, size=8)
    (root / "empty").rmdir()
    (root / "notes.txt").write_text("not an image")
    x, y, names = load_image_classes(root, size=8)
    assert names == ["birds", "cats", "dogs"]  # sorted
    assert x.shape == (6, 1, 8, 8) and y.tolist() == [0, 0, 1, 1, 2, 2]
    assert class_names(root) == names
    x3, _, _ = load_labelled_images(root, size=8, channels=3)
    assert x3.shape == (6, 3, 8, 8)


def test_a_folder_needs_two_classes(tmp_path):
    root = _class_folder(tmp_path / "one", ["only"])
    with pytest.raises(ValueError, match="one subfolder of PNG/JPEG images per class, at least two; found 1"):
        load_image_classes(root)
    with pytest.raises(ValueError, match="does not exist"):
        load_image_classes(tmp_path / "missing")
    with pytest.raises(ValueError, match="unknown dataset"):
        load_labelled_images("imagenet")


def test_named_data_sets_come_with_labels_and_names():
    x, y, names = load_labelled_images("digits", 8, split="test")
    assert x.shape == (450, 1, 8, 8) and np.bincount(y.numpy()).tolist() == [45] * 10
    assert names == [str(i) for i in range(10)]
    assert class_names("fashion-mnist")[9] == "Ankle boot"


# ---------------------------------------------------------------------------------- runs


def test_a_conditional_run_resumes_exactly(tmp_path):
    data = _digits()
    cfg = DCGANConfig(**TINY, epochs=2)
    full = runs.run(cfg, images=data)
    half = runs.run(replace(cfg, epochs=1), images=data, out=tmp_path)
    resumed = runs.run(cfg, resume=tmp_path / "checkpoint.pt", images=data)
    for a, b in zip(full.G.state_dict().values(), resumed.G.state_dict().values(), strict=True):
        assert torch.equal(a, b)
    assert half.step == full.step // 2
    np.testing.assert_array_equal(full.sample(20, seed=3), resumed.sample(20, seed=3))


def test_resume_refuses_other_labels(tmp_path):
    x, y = _digits()
    runs.run(DCGANConfig(**TINY, epochs=1), images=(x, y), out=tmp_path)
    with pytest.raises(ValueError, match="differ"):
        runs.resume_run(tmp_path / "checkpoint.pt", total=2, images=(x, y.flip(0)))


def test_a_subset_of_the_digits_keeps_ten_classes():
    x, y = load_digits(8, return_labels=True, split="train")
    keep = y < 3  # only 0, 1 and 2
    r = runs.start_run(DCGANConfig(**TINY), images=(x[keep], y[keep]))
    assert r.G.n_classes == 10 and r.class_names == [str(c) for c in range(10)]
    with pytest.raises(ValueError, match="one per class name"):
        runs.start_run(DCGANConfig(**TINY), images=(x[:4], torch.tensor([0, 1, 2, 3]), ["a", "b"]))


def test_a_conditional_run_needs_labels():
    x, _ = _digits()
    with pytest.raises(TypeError, match=r"\(images, labels\)"):
        runs.start_run(DCGANConfig(**TINY), images=x)
    with pytest.raises(ValueError, match="labels must be"):
        runs.start_run(DCGANConfig(**TINY), images=(x, torch.zeros(3, dtype=torch.long)))


def test_generate_by_class_and_round_robin(tmp_path):
    r = runs.run(DCGANConfig(**TINY, epochs=1), images=_digits(), out=tmp_path)
    ckpt = tmp_path / "checkpoint.pt"
    G = runs.generator_from_checkpoint(ckpt)
    assert G.n_classes == 10 and G.class_names == [str(i) for i in range(10)]
    seven = runs.generate(ckpt, 6, seed=1, label=7)
    z = sample_noise(G, 6, torch.Generator().manual_seed(1), labels=7)
    np.testing.assert_allclose(seven, decode(G, z), atol=1e-6)
    mixed = runs.generate(ckpt, 12, seed=1)
    z = sample_noise(G, 12, torch.Generator().manual_seed(1), labels=torch.arange(12) % 10)
    np.testing.assert_allclose(mixed, decode(G, z), atol=1e-6)
    np.testing.assert_array_equal(r.sample(12, seed=1), mixed)
    with pytest.raises(ValueError, match=r"label must be a class 0..9"):
        runs.generate(ckpt, 2, label=10)
    with pytest.raises(ValueError, match="unconditional"):
        runs.generate(DCGANGenerator(4, 8, width=8), 2, label=1)


def test_summary_has_per_class_figures(tmp_path):
    import json

    runs.run(DCGANConfig(**TINY, epochs=1), images=_digits(), out=tmp_path)
    s = json.loads((tmp_path / "summary.json").read_text())
    q = s["quality"]
    assert s["class_names"] == [str(i) for i in range(10)] and q["n_per_class"] == 200
    assert len(q["accuracy_per_class"]) == 10 and len(q["fid_per_class"]) == 10
    assert np.isclose(q["accuracy"], np.mean(q["accuracy_per_class"]), atol=1e-3)
    assert q["nearest_train_real"] > 0 and q["fid_baseline"] < q["fid"]  # one epoch of a tiny G: far from real


# ---------------------------------------------------------------------------------- metrics


def test_class_accuracy_of_real_digits_and_of_wrong_labels():
    x, y = load_digits(8, return_labels=True, split="test")
    assert class_accuracy(x, y) > 0.95  # the classifier reads held-out digits right
    assert class_accuracy(x, (y + 1) % 10) < 0.05  # asked for the next digit: almost never
    acc = per_class_accuracy(x, y)
    assert acc.shape == (10,) and acc.min() > 0.85
    assert np.isnan(per_class_accuracy(x[y == 3], y[y == 3])[4])
    with pytest.raises(ValueError, match="labels must be"):
        class_accuracy(x, y[:10])


def test_within_class_diversity_catches_one_image_per_class():
    x, y = load_digits(8, return_labels=True, split="train")
    real = within_class_diversity(x, y)
    assert (real > 1.0).all()
    copies = x[[int(torch.nonzero(y == c)[0]) for c in range(10)]].repeat_interleave(20, 0)
    assert np.allclose(within_class_diversity(copies, np.repeat(np.arange(10), 20)), 0.0, atol=1e-5)


def test_per_class_fid_real_is_near_its_baseline_and_noise_is_far():
    x, y = load_digits(8, return_labels=True, split="train")
    fid, base = per_class_fid(x, y)
    assert np.allclose(fid, base)  # all training digits of a class: the baseline itself
    noise = torch.rand(200, 1, 8, 8) * 2 - 1
    assert (per_class_fid(noise, np.repeat(np.arange(10), 20), baseline=False) > 5 * base).all()


def test_sample_per_class_needs_a_conditional_g():
    G = ConditionalDCGANGenerator(z_dim=4, n_classes=10, image_size=8, width=8)
    x, y = sample_per_class(G, 3)
    assert x.shape == (30, 1, 8, 8) and y.tolist() == sorted(list(range(10)) * 3)
    with pytest.raises(ValueError, match="unconditional"):
        sample_per_class(DCGANGenerator(4, 8, width=8), 3)


# ---------------------------------------------------------------------------------- the command line


@pytest.mark.slow  # a real process
def test_cli_trains_a_conditional_folder_and_samples_a_class(tmp_path):
    root = _class_folder(tmp_path / "shapes", ["circle", "square"], per_class=4, size=10)
    rc, out, err = cli("train", "dcgan", "--conditional", "--data", root, "--epochs", 2, "--out", tmp_path / "run")
    assert rc == 0, err
    ckpt = tmp_path / "run" / "checkpoint.pt"
    rc, out, err = cli("sample", ckpt, "--label", 1, "--n", 5, "--out", tmp_path / "x.npy")
    assert rc == 0, err
    x = np.load(tmp_path / "x.npy")
    assert x.shape == (5, 1, 32, 32) and x.dtype == np.float32 and -1 <= x.min() and x.max() <= 1
    assert_one_line_error(
        *cli("sample", ckpt, "--label", 2, "--out", tmp_path / "y.npy")[::2], "label must be a class 0..1"
    )
    assert_one_line_error(*cli("sample", ckpt, "--label", -1, "--out", tmp_path / "y.npy")[::2], "--label")
    rc, _, err = cli("train", "dcgan", "--epochs", 3, "--resume", ckpt, "--out", tmp_path / "run")
    assert rc == 0, err  # a resumed run keeps its recipe: no need to repeat --conditional


def test_cli_refuses_label_on_an_unconditional_checkpoint(tmp_path, capsys):
    from gan_lessons.cli import main

    runs.run(DCGANConfig(z_dim=8, g_width=8, d_width=8, epochs=1), images=_digits()[0], out=tmp_path)
    capsys.readouterr()
    rc = main(["sample", str(tmp_path / "checkpoint.pt"), "--label", "3", "--out", str(tmp_path / "x.npy")])
    assert_one_line_error(rc, capsys.readouterr().err, "label 3", "unconditional")
    assert not (tmp_path / "x.npy").exists()


@pytest.mark.parametrize("args, words", [
    (["train", "dcgan", "--conditioning", "concat", "--out", "{tmp}"], ["add --conditional"]),
    (["train", "dcgan", "--conditional", "--conditioning", "sum", "--out", "{tmp}"], ["--conditioning", "sum"]),
    (["sample", "{tmp}/c.pt", "--label", "two", "--out", "{tmp}/x.npy"], ["--label", "'two'"]),
])  # fmt: skip
def test_cli_bad_conditional_input_isassert_one_line_error(tmp_path, capsys, args, words):
    from gan_lessons.cli import main

    rc = main([a.replace("{tmp}", str(tmp_path)) for a in args])
    assert_one_line_error(rc, capsys.readouterr().err, *words)
