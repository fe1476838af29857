"""Tests for gan_lessons.data.images: digits, (fake) MNIST from a file:// cache, image folders."""

import gzip
import hashlib
import struct

import numpy as np
import pytest
import torch
from PIL import Image

from gan_lessons.data.download import DATASET_FILES, DownloadError, RemoteFile
from gan_lessons.data.images import (
    DIGITS_HELD_OUT_PER_CLASS,
    IMAGE_DATASETS,
    digits_split,
    load_digits,
    load_image_folder,
    load_images,
    load_mnist,
)

# --- digits ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sklearn_digits():
    from sklearn.datasets import load_digits as sk

    return sk()


@pytest.mark.parametrize("size", [8, 16, 28])
def test_load_digits_shapes_and_range(size):
    x, y = load_digits(size, return_labels=True)
    assert x.shape == (1797, 1, size, size) and x.dtype == torch.float32
    assert y.shape == (1797,) and y.dtype == torch.int64
    assert x.min().item() == -1.0 and x.max().item() == 1.0
    assert set(y.tolist()) == set(range(10))


def test_load_digits_native_values(sklearn_digits):
    x = load_digits(8)
    expected = torch.from_numpy(sklearn_digits.images).float() / 8 - 1  # 0 -> -1, 16 -> +1
    torch.testing.assert_close(x[:, 0], expected)
    labels = load_digits(8, return_labels=True)[1]
    assert labels.tolist() == sklearn_digits.target.tolist()


def test_load_digits_resized_keeps_the_picture():
    small, big = load_digits(8), load_digits(16)
    # The documented resampling: bilinear, align_corners=False (not nearest, not bicubic).
    expected = torch.nn.functional.interpolate(small, size=(16, 16), mode="bilinear", align_corners=False)
    torch.testing.assert_close(big, expected)
    # Shrinking the 16x16 version back by 2x2 averaging gives (a blurred) copy of the original.
    back = torch.nn.functional.avg_pool2d(big, 2).flatten()
    assert torch.corrcoef(torch.stack([back, small.flatten()]))[0, 1].item() > 0.95
    assert load_digits().shape[-1] == 16  # the default


@pytest.mark.parametrize(
    "size, error",
    [(7, ValueError), (0, ValueError), (-3, ValueError), (16.0, TypeError), ("16", TypeError), (None, TypeError)]
    + [(True, TypeError)],
)
def test_load_digits_bad_size(size, error):  # out of range: ValueError; not an int: TypeError; both name size
    with pytest.raises(error, match="size"):
        load_digits(size)


def test_digits_split_is_fixed_stratified_and_disjoint():
    train_idx, test_idx = digits_split()
    assert len(train_idx) == 1347 and len(test_idx) == 450 == 10 * DIGITS_HELD_OUT_PER_CLASS
    assert set(train_idx.tolist()).isdisjoint(test_idx.tolist())
    assert sorted(train_idx.tolist() + test_idx.tolist()) == list(range(1797))
    x, y = load_digits(8, return_labels=True)
    xt, yt = load_digits(8, return_labels=True, split="test")
    assert np.bincount(yt.numpy()).tolist() == [45] * 10  # stratified: 45 of each digit
    torch.testing.assert_close(xt, x[test_idx])
    torch.testing.assert_close(load_digits(16, split="train"), load_digits(16)[train_idx])
    assert torch.equal(digits_split()[1], test_idx)  # fixed: the same every call
    digits_split()[1][:] = 0  # callers get copies
    assert torch.equal(digits_split()[1], test_idx)


@pytest.mark.parametrize("split, error", [("val", ValueError), (None, ValueError), (1, ValueError)])
def test_load_digits_bad_split(split, error):
    with pytest.raises(error, match="split"):
        load_digits(8, split=split)


def test_load_digits_accepts_numpy_int():
    assert load_digits(np.int64(10)).shape == (1797, 1, 10, 10)


# --- MNIST, from fake IDX files behind file:// URLs -----------------------------------------


def idx_gz(array):
    array = np.asarray(array)
    code = {np.uint8: 0x08, np.int32: 0x0C}[array.dtype.type]
    header = bytes([0, 0, code, array.ndim]) + b"".join(struct.pack(">I", n) for n in array.shape)
    return gzip.compress(header + array.astype(array.dtype.newbyteorder(">")).tobytes())


@pytest.fixture
def fake_mnist(tmp_path, monkeypatch):
    """Small fake MNIST and Fashion-MNIST "servers" (folders of .gz files) plus the patched table."""
    rng = np.random.default_rng(0)
    truth = {}
    for name in ("mnist", "fashion-mnist"):
        server = tmp_path / "server" / name
        server.mkdir(parents=True)
        table = {}
        for split, n in (("train", 5), ("test", 3)):
            images = rng.integers(0, 256, size=(n, 28, 28), dtype=np.uint8)
            images[0, 0, 0], images[0, 0, 1] = 0, 255  # make sure both ends of the range occur
            labels = rng.integers(0, 10, size=n, dtype=np.uint8)
            truth[name, split] = images, labels
            for kind, array in (("images", images), ("labels", labels)):
                data = idx_gz(array)
                filename = f"{split}-{kind}.gz"
                (server / filename).write_bytes(data)
                url = (server / filename).as_uri()
                table[f"{split}-{kind}"] = RemoteFile(filename, hashlib.sha256(data).hexdigest(), (url,))
        monkeypatch.setitem(DATASET_FILES, name, table)
    return tmp_path / "cache", truth


@pytest.mark.parametrize("name", ["mnist", "fashion-mnist"])
@pytest.mark.parametrize("split", ["train", "test"])
def test_load_mnist_end_to_end(fake_mnist, name, split):
    cache, truth = fake_mnist
    x, y = load_mnist(name, split, cache_dir=cache, progress=False, return_labels=True)
    images, labels = truth[name, split]
    assert x.shape == (len(images), 1, 28, 28) and x.dtype == torch.float32
    torch.testing.assert_close(x[:, 0], torch.from_numpy(images).float() / 127.5 - 1)
    assert x[0, 0, 0, 0].item() == -1.0 and x[0, 0, 0, 1].item() == 1.0
    assert y.dtype == torch.int64 and y.tolist() == labels.tolist()
    assert (cache / name / f"{split}-images.gz").is_file()


def test_load_mnist_uses_cache_offline(fake_mnist):
    cache, truth = fake_mnist
    first = load_mnist(cache_dir=cache, progress=False)
    for f in (cache.parent / "server" / "mnist").iterdir():
        f.unlink()  # the "server" is gone: only the cache can answer now
    again = load_mnist(cache_dir=cache, download=False)
    torch.testing.assert_close(first, again)


def test_load_mnist_default_cache_dir(fake_mnist, monkeypatch, tmp_path):
    monkeypatch.setenv("GAN_LESSONS_CACHE", str(tmp_path / "envcache"))
    load_mnist(split="test", progress=False)
    assert (tmp_path / "envcache" / "mnist" / "test-labels.gz").is_file()


def test_load_mnist_no_download_missing_files(fake_mnist):
    cache, _ = fake_mnist
    with pytest.raises(DownloadError, match=r"not found and download=False.*download=True"):
        load_mnist(cache_dir=cache, download=False)


def test_load_mnist_corrupted_cache_file_is_redownloaded(fake_mnist):
    cache, truth = fake_mnist
    (cache / "mnist").mkdir(parents=True)
    (cache / "mnist" / "train-images.gz").write_bytes(b"half a file")
    with pytest.raises(DownloadError, match="wrong SHA-256"):
        load_mnist(cache_dir=cache, download=False)  # never read as data
    x = load_mnist(cache_dir=cache, progress=False)
    torch.testing.assert_close(x[:, 0], torch.from_numpy(truth["mnist", "train"][0]).float() / 127.5 - 1)


def test_load_mnist_corrupted_server_file(fake_mnist, tmp_path):
    cache, _ = fake_mnist
    (tmp_path / "server" / "mnist" / "train-labels.gz").write_bytes(b"not gzip, not IDX")
    with pytest.raises(DownloadError, match="SHA-256 mismatch"):
        load_mnist(cache_dir=cache, progress=False)
    assert not (cache / "mnist" / "train-labels.gz").exists()


def test_load_mnist_malformed_idx_with_matching_checksum(fake_mnist, tmp_path, monkeypatch):
    cache, _ = fake_mnist
    bad = idx_gz(np.zeros((4, 28, 28), dtype=np.uint8))[:-30]  # truncated, but "official"
    path = tmp_path / "server" / "mnist" / "train-images.gz"
    path.write_bytes(bad)
    entry = DATASET_FILES["mnist"]["train-images"]
    monkeypatch.setitem(DATASET_FILES["mnist"], "train-images", entry._replace(sha256=hashlib.sha256(bad).hexdigest()))
    with pytest.raises(ValueError, match=r"train-images\.gz"):
        load_mnist(cache_dir=cache, progress=False)


def test_load_mnist_wrong_shapes(fake_mnist, tmp_path, monkeypatch):
    cache, _ = fake_mnist
    odd = idx_gz(np.zeros((5, 27, 28), dtype=np.uint8))
    (tmp_path / "server" / "mnist" / "train-images.gz").write_bytes(odd)
    entry = DATASET_FILES["mnist"]["train-images"]
    monkeypatch.setitem(DATASET_FILES["mnist"], "train-images", entry._replace(sha256=hashlib.sha256(odd).hexdigest()))
    with pytest.raises(ValueError, match=r"\(N, 28, 28\)"):
        load_mnist(cache_dir=cache, progress=False)


@pytest.mark.parametrize(
    "kwargs, word",
    [({"name": "cifar10"}, "name"), ({"name": None}, "name"), ({"split": "val"}, "split")],
)
def test_load_mnist_bad_arguments(tmp_path, kwargs, word):
    with pytest.raises(ValueError, match=word):
        load_mnist(cache_dir=tmp_path, **kwargs)
    assert list(tmp_path.iterdir()) == []  # failed before touching the cache


# --- image folders -----------------------------------------------------------------------------


@pytest.fixture
def image_folder(tmp_path):
    folder = tmp_path / "pics"
    folder.mkdir()
    Image.new("L", (20, 10), 255).save(folder / "a_white_wide.png")
    Image.new("RGB", (6, 6), (255, 0, 0)).save(folder / "b_red.PNG")
    Image.new("RGB", (40, 60), (0, 0, 255)).save(folder / "c_blue_tall.jpg", quality=100)
    Image.new("L", (8, 8), 0).save(folder / "d_black.JpEg")
    (folder / "notes.txt").write_text("not an image")
    (folder / "sub").mkdir()
    Image.new("L", (8, 8), 128).save(folder / "sub" / "nested.png")  # not searched
    return folder


def test_load_image_folder_rgb(image_folder):
    x = load_image_folder(image_folder, size=12, channels=3)
    assert x.shape == (4, 3, 12, 12) and x.dtype == torch.float32
    assert x.min().item() >= -1 and x.max().item() <= 1
    # Sorted order: white, red, blue, black. Solid colours stay solid after crop and resize.
    torch.testing.assert_close(x[0], torch.ones(3, 12, 12))
    torch.testing.assert_close(x[1].mean((1, 2)), torch.tensor([1.0, -1.0, -1.0]))
    torch.testing.assert_close(x[2].mean((1, 2)), torch.tensor([-1.0, -1.0, 1.0]), atol=0.03, rtol=0)
    torch.testing.assert_close(x[3], -torch.ones(3, 12, 12))


def test_load_image_folder_grayscale(image_folder):
    x = load_image_folder(str(image_folder))
    assert x.shape == (4, 1, 32, 32)
    assert x[0].min().item() == 1.0 and x[3].max().item() == -1.0
    red_gray = 0.299 * 255 / 127.5 - 1  # Pillow's "L" conversion weights red by 0.299
    assert abs(x[1].mean().item() - red_gray) < 0.01


def test_load_image_folder_center_crop(tmp_path):
    im = Image.new("L", (30, 10), 0)
    im.paste(255, (10, 0, 20, 10))  # white square in the middle, black on the sides
    im.save(tmp_path / "wide.png")
    x = load_image_folder(tmp_path, size=10)
    torch.testing.assert_close(x, torch.ones(1, 1, 10, 10))  # only the middle square is kept


def test_load_image_folder_exif_orientation(tmp_path):
    im = Image.new("L", (20, 10), 0)
    im.paste(255, (0, 0, 10, 10))  # left half white
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation: "rotate 90 degrees clockwise to display"
    im.save(tmp_path / "phone.png", exif=exif)
    x = load_image_folder(tmp_path, size=10)[0, 0]
    # Upright, the white half is on top; the center crop keeps rows 5..14 of 20.
    assert x[:5].min().item() == 1.0 and x[5:].max().item() == -1.0


def test_load_image_folder_missing_or_not_folder(tmp_path):
    with pytest.raises(ValueError, match="does not exist"):
        load_image_folder(tmp_path / "nowhere")
    (tmp_path / "f.png").write_bytes(b"")
    with pytest.raises(ValueError, match="not a folder"):
        load_image_folder(tmp_path / "f.png")


def test_load_image_folder_empty(tmp_path):
    (tmp_path / "readme.txt").write_text("hi")
    with pytest.raises(ValueError, match=r"no PNG or JPEG images in .*subfolders are not searched"):
        load_image_folder(tmp_path)


def test_load_image_folder_corrupt_image(image_folder):
    (image_folder / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n definitely not the rest")
    with pytest.raises(ValueError, match=r"could not read image .*broken\.png"):
        load_image_folder(image_folder)


def test_load_image_folder_truncated_jpeg(image_folder):
    data = (image_folder / "c_blue_tall.jpg").read_bytes()
    (image_folder / "c_blue_tall.jpg").write_bytes(data[: len(data) // 2])
    with pytest.raises(ValueError, match=r"c_blue_tall\.jpg"):
        load_image_folder(image_folder)


@pytest.mark.parametrize(
    "kwargs, word", [({"size": 0}, "size"), ({"channels": 2}, "channels"), ({"channels": True}, "channels")]
)
def test_load_image_folder_bad_arguments(image_folder, kwargs, word):
    with pytest.raises(ValueError, match=word):
        load_image_folder(image_folder, **kwargs)


# --- the dispatcher ----------------------------------------------------------------------------


def test_image_datasets():
    assert IMAGE_DATASETS == ("digits", "mnist", "fashion-mnist")


def test_load_images_digits():
    assert load_images("digits").shape == (1797, 1, 16, 16)
    x, y = load_images("digits", size=8, return_labels=True)
    assert x.shape == (1797, 1, 8, 8) and y.shape == (1797,)


def test_load_images_mnist(fake_mnist):
    cache, truth = fake_mnist
    x = load_images("fashion-mnist", cache_dir=cache, progress=False, split="test")
    assert x.shape == (3, 1, 28, 28)
    x32, y = load_images("mnist", size=32, cache_dir=cache, progress=False, return_labels=True)
    assert x32.shape == (5, 1, 32, 32) and y.tolist() == truth["mnist", "train"][1].tolist()
    assert x32.min().item() >= -1 and x32.max().item() <= 1
    x14 = load_images("mnist", size=14, cache_dir=cache, download=False)
    original = (torch.from_numpy(truth["mnist", "train"][0]).float() / 127.5 - 1).unsqueeze(1)
    expected = torch.nn.functional.interpolate(
        original, size=(14, 14), mode="bilinear", align_corners=False, antialias=True
    )
    torch.testing.assert_close(x14, expected)
    # Antialiased shrinking averages pixels: brightness is kept, pixel noise goes down.
    torch.testing.assert_close(x14.mean((1, 2, 3)), original.mean((1, 2, 3)), atol=0.02, rtol=0)
    assert (x14.std() < 0.8 * original.std()).item()


def test_load_images_folder(image_folder):
    assert load_images(image_folder).shape == (4, 1, 32, 32)
    assert load_images(str(image_folder), size=8, channels=3).shape == (4, 3, 8, 8)


@pytest.mark.parametrize("name", ["foo", "MNIST", "digit"])
def test_load_images_unknown(name):
    expected = f"unknown dataset '{name}': expected digits, mnist or fashion-mnist, or a folder of images"
    with pytest.raises(ValueError) as err:
        load_images(name)
    assert str(err.value) == expected


def test_load_images_bad_arguments(tmp_path):
    with pytest.raises(ValueError, match="channels"):
        load_images("digits", channels=3)
    with pytest.raises(ValueError, match="size"):
        load_images("mnist", size=0, cache_dir=tmp_path)
    assert list(tmp_path.iterdir()) == []  # checked before any download
    with pytest.raises(ValueError, match="size"):
        load_images("digits", size=4)
    with pytest.raises(TypeError, match="name_or_path"):
        load_images(42)
