"""Hardening, round 2 (issue 26): the data and runs layers give no silent wrong answer, no traceback, lose no work.

Each section names the case of the issue it covers. Everything is made on the fly: tiny images and folders, 16-bit
PNG files written byte by byte (independently of the reader under test), a slow HTTP server on 127.0.0.1.
"""

import gzip
import hashlib
import http.server
import socket
import struct
import threading
import time
import zlib

import numpy as np
import pytest
import torch
from PIL import Image

import gan_lessons.data.download as download_module
from gan_lessons.data import class_names, load_image_classes, load_image_folder, load_labelled_images
from gan_lessons.data.download import DATASET_FILES, DownloadError, RemoteFile, download
from gan_lessons.data.images import MNIST_SPLIT_SIZES, load_mnist


def _grey_png(path, value, size=6):
    """An 8-bit grayscale PNG of one uniform value."""
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("L", (size, size), value).save(path)
    return path


def _class_tree(root, names, per_class=1):
    """Class folders ``root/<name>/`` whose images are uniform grey, darker to lighter in the order given."""
    for i, name in enumerate(names):
        for j in range(per_class):
            _grey_png(root / name / f"{j}.png", 10 + 20 * i)
    return root


# ---------------------------------------------------------------- 1. class folders named by number


def test_numbered_class_folders_are_in_numeric_order(tmp_path):
    numbers = [str(i) for i in range(12)]
    root = _class_tree(tmp_path / "classes", numbers)  # folder "i" holds grey 10 + 20 i
    x, y, names = load_image_classes(root, size=6)
    assert names == numbers  # label 2 is folder "2", not "10" (text order: 0, 1, 10, 11, 2, ...)
    assert y.tolist() == list(range(12))
    expected = (10 + 20 * torch.arange(12)) / 127.5 - 1
    torch.testing.assert_close(x.mean((1, 2, 3)), expected.float())
    assert class_names(root) == numbers
    assert load_labelled_images(root, size=6)[2] == numbers


def test_class_folders_not_all_numbers_stay_alphabetical(tmp_path):
    root = _class_tree(tmp_path / "mixed", ["10", "9", "cats", "2"])
    assert load_image_classes(root, size=6)[2] == ["10", "2", "9", "cats"]


def test_a_runs_class_names_are_in_label_order(tmp_path):
    from gan_lessons import runs
    from gan_lessons.recipes import DCGANConfig

    root = _class_tree(tmp_path / "classes", [str(i) for i in range(11)], per_class=2)
    cfg = DCGANConfig(data=str(root), image_size=8, conditional=True, z_dim=4, g_width=4, d_width=4, batch_size=4)
    r = runs.start_run(cfg)
    assert r.class_names == [str(i) for i in range(11)]
    assert r.labels.tolist() == [i for i in range(11) for _ in range(2)]
    # label i's images are folder i's: grey 10 + 20 i
    torch.testing.assert_close(r.images[r.labels == 10].mean(), torch.tensor((10 + 200) / 127.5 - 1))


# ---------------------------------------------------------------- 2. an empty class folder


def test_an_empty_class_folder_is_refused_by_name(tmp_path):
    root = _class_tree(tmp_path / "abc", ["a", "c"])
    (root / "b").mkdir()  # empty: dropping it would make "c" label 1
    with pytest.raises(ValueError, match=r"class folder b in .*abc holds no PNG or JPEG image"):
        load_image_classes(root)
    with pytest.raises(ValueError, match="class folder b "):
        class_names(root)
    (root / "d").mkdir()
    (root / "d" / "notes.txt").write_text("not an image")
    with pytest.raises(ValueError, match=r"class folders b, d in .*hold no PNG or JPEG image"):
        load_labelled_images(root)


def test_hidden_folders_are_not_classes(tmp_path):
    root = _class_tree(tmp_path / "abc", ["a", "b"])
    (root / ".ipynb_checkpoints").mkdir()
    (root / "a" / ".thumbnails").mkdir()
    _grey_png(root / "a" / ".thumbnails" / "t.png", 0)
    assert load_image_classes(root, size=6)[2] == ["a", "b"]


# ---------------------------------------------------------------- 3. images the class loader would skip


def test_images_in_folders_inside_a_class_are_refused(tmp_path):
    root = _class_tree(tmp_path / "abc", ["a", "b"])
    _grey_png(root / "a" / "deep" / "1.png", 0)
    _grey_png(root / "a" / "deep" / "2.png", 0)
    with pytest.raises(ValueError) as err:
        load_image_classes(root)
    message = str(err.value)
    assert "2 images in folders inside class folders: a/deep (2)" in message
    assert "would be skipped" in message and "one subfolder of PNG/JPEG images per class" in message
    assert "\n" not in message


def test_a_class_whose_images_are_all_nested_says_where_they_are(tmp_path):
    root = _class_tree(tmp_path / "abc", ["a"])
    _grey_png(root / "b" / "more" / "x.png", 0)
    with pytest.raises(ValueError, match=r"1 image in folders inside class folders: b/more \(1\)"):
        load_image_classes(root)


def test_images_next_to_the_class_folders_are_refused(tmp_path):
    root = _class_tree(tmp_path / "abc", ["a", "b"])
    for i in range(3):
        _grey_png(root / f"loose{i}.png", 0)
    (root / "notes.txt").write_text("not an image: fine")
    with pytest.raises(ValueError, match=r"3 images directly in .*abc, next to the class folders would be skipped"):
        load_image_classes(root)


def test_a_plain_folder_of_images_is_not_a_folder_of_classes(tmp_path):
    for i in range(5):
        _grey_png(tmp_path / "pics" / f"{i}.png", 0)
    with pytest.raises(ValueError, match=r"at least two; found 0 \(5 images lie directly in it"):
        load_labelled_images(tmp_path / "pics")


# ---------------------------------------------------------------- 4. 16-bit PNGs


def _png16(path, samples, filter_type=1):
    """A 16-bit PNG written byte by byte: ``samples`` uint16 ``(H, W)`` grey, ``(H, W, 2)`` grey + alpha,
    ``(H, W, 3)`` RGB (48-bit) or ``(H, W, 4)`` RGBA; every row with the given PNG filter (0 none, 1 sub, 2 up)."""
    a = np.asarray(samples, dtype=np.uint16)
    h, w = a.shape[:2]
    colour_type = 0 if a.ndim == 2 else {2: 4, 3: 2, 4: 6}[a.shape[2]]
    rows = a.astype(">u2").reshape(h, -1).view(np.uint8).astype(np.int16)  # (H, W * bytes a pixel)
    bpp = rows.shape[1] // w
    before = np.zeros_like(rows)
    before[:, bpp:] = rows[:, :-bpp]  # the byte one pixel to the left
    above = np.vstack([np.zeros_like(rows[:1]), rows[:-1]])
    filtered = {0: rows, 1: rows - before, 2: rows - above}[filter_type] % 256
    data = b"".join(bytes([filter_type]) + row.astype(np.uint8).tobytes() for row in filtered)

    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", w, h, 16, colour_type, 0, 0, 0)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(data)) + chunk(b"IEND", b"")
    )
    return path


MID = 32768  # 16-bit mid-grey: 32768 / 65535 = 0.500008, i.e. +0.000015 in [-1, 1]


@pytest.mark.parametrize("channels", [1, 3])
def test_16bit_grey_png_is_scaled_by_its_bit_depth(tmp_path, channels):
    Image.fromarray(np.full((8, 8), MID, dtype=np.uint16)).save(tmp_path / "mid.png")  # Pillow: mode "I;16"
    Image.fromarray(np.zeros((8, 8), dtype=np.uint16)).save(tmp_path / "black.png")
    Image.fromarray(np.full((8, 8), 65535, dtype=np.uint16)).save(tmp_path / "white.png")
    x = load_image_folder(tmp_path, size=8, channels=channels)  # black, mid, white (sorted names)
    assert x.shape == (3, channels, 8, 8) and x.dtype == torch.float32
    assert x[0].max().item() == -1.0 and x[2].min().item() == 1.0
    assert abs(x[1].mean().item()) < 1e-4, x[1].mean().item()  # was +1.0: clipped at 8 bits


@pytest.mark.parametrize("filter_type", [0, 1, 2])
def test_48bit_rgb_png_is_read_at_full_depth(tmp_path, filter_type):
    rng = np.random.default_rng(0)
    samples = rng.integers(0, 65536, size=(5, 5, 3), dtype=np.uint16)
    _png16(tmp_path / "rgb48.png", samples, filter_type)
    with Image.open(tmp_path / "rgb48.png") as im:
        assert im.mode == "RGB"  # what Pillow makes of it: 8 bits a sample, the high bytes
    x = load_image_folder(tmp_path, size=5, channels=3)[0]  # native size: no resampling
    expected = torch.from_numpy(samples.astype(np.float64) / 65535 * 2 - 1).permute(2, 0, 1).float()
    torch.testing.assert_close(x, expected, atol=1e-6, rtol=0)
    grey = load_image_folder(tmp_path, size=5, channels=1)[0, 0]
    luma = (samples.astype(np.float64) / 65535) @ [0.299, 0.587, 0.114] * 2 - 1
    torch.testing.assert_close(grey, torch.from_numpy(luma).float(), atol=1e-6, rtol=0)


@pytest.mark.parametrize("depth", ["grey+alpha", "rgb", "rgba"])
def test_16bit_mid_grey_comes_out_near_zero(tmp_path, depth):
    plane = np.full((6, 6), MID, dtype=np.uint16)
    samples = {
        "grey+alpha": np.stack([plane, plane * 0 + 65535], axis=2),
        "rgb": np.stack([plane] * 3, axis=2),
        "rgba": np.stack([plane] * 3 + [plane * 0 + 65535], axis=2),
    }[depth]
    _png16(tmp_path / "mid.png", samples)
    for channels in (1, 3):
        x = load_image_folder(tmp_path, size=4, channels=channels)
        assert abs(x.mean().item()) < 1e-4 and x.std().item() < 1e-4, (x.mean().item(), x.std().item())


def test_16bit_pngs_in_class_folders(tmp_path):
    Image.fromarray(np.full((6, 6), MID, dtype=np.uint16)).save(_grey_png(tmp_path / "a" / "0.png", 0))
    _png16(tmp_path / "b" / "0.png", np.full((6, 6, 3), MID, dtype=np.uint16))
    x, y, names = load_image_classes(tmp_path, size=6, channels=3)
    assert names == ["a", "b"] and y.tolist() == [0, 1]
    assert x.abs().max().item() < 1e-4


def test_16bit_picture_is_turned_cropped_and_resized_like_an_8bit_one(tmp_path):
    picture = np.zeros((10, 20), dtype=np.uint8)
    picture[:, :10] = 128  # left half grey, right half black
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation: "rotate 90 degrees clockwise to display"
    Image.fromarray(picture).save(tmp_path / "a8.png", exif=exif)
    Image.fromarray(picture.astype(np.uint16) * 257).save(tmp_path / "b16.png", exif=exif)  # 128 * 257 = 128 / 255
    _png16(tmp_path / "c48.png", np.repeat(picture[..., None].astype(np.uint16) * 257, 3, axis=2))  # no EXIF
    x = load_image_folder(tmp_path, size=5)
    torch.testing.assert_close(x[0], x[1], atol=1 / 127.5, rtol=0)  # the same, up to the 8-bit one's rounding
    torch.testing.assert_close(x[2], x[1].transpose(1, 2), atol=1e-5, rtol=0)  # turned: grey on top, black below
    assert x[1, 0, :2].mean().item() == pytest.approx(0.0, abs=0.1) and x[1, 0, 3:].max().item() < -0.98


def test_32bit_integer_pixels_are_refused_not_clipped(tmp_path):
    Image.fromarray(np.full((4, 4), 70000, dtype=np.int32)).save(tmp_path / "deep.png", format="TIFF")  # mode "I"
    with pytest.raises(ValueError, match=r"could not read image .*deep\.png.*only 8 and 16 bits"):
        load_image_folder(tmp_path)
    Image.fromarray(np.full((4, 4), MID, dtype=np.int32)).save(tmp_path / "deep.png", format="TIFF")
    assert abs(load_image_folder(tmp_path, size=4).mean().item()) < 1e-4  # "I" holding 16-bit values


# ---------------------------------------------------------------- 5. downloads that hang


class _Handler(http.server.BaseHTTPRequestHandler):
    """/ok: the body at once; /trickle: one byte every 20 ms; /stall: the headers, then nothing."""

    body = bytes(range(256)) * 400  # 102,400 bytes

    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Length", str(len(self.body)))
        self.end_headers()
        try:
            if self.path == "/ok":
                self.wfile.write(self.body)
            elif self.path == "/trickle":
                end = time.monotonic() + 3  # the client gives up long before
                for i in range(len(self.body)):
                    if time.monotonic() > end:
                        break
                    self.wfile.write(self.body[i : i + 1])
                    self.wfile.flush()
                    time.sleep(0.02)
            elif self.path == "/stall":
                self.wfile.flush()
                time.sleep(1.5)
        except OSError:  # the client hung up
            pass

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    """A local HTTP server in a thread: its base URL."""
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def black_hole():
    """A server that accepts connections (the kernel does, from its backlog) and never answers: its URL."""
    with socket.create_server(("127.0.0.1", 0)) as sock:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}/data.gz"


def _sha(data):
    return hashlib.sha256(data).hexdigest()


def test_a_download_over_http_still_works(tmp_path, server):
    dest = download(f"{server}/ok", tmp_path / "ok.bin", _sha(_Handler.body), progress=False)
    assert dest.read_bytes() == _Handler.body


def test_a_trickling_download_is_given_up_as_too_slow(tmp_path, server, monkeypatch):
    monkeypatch.setattr(download_module, "RATE_WINDOW", 0.3)
    t0 = time.monotonic()
    with pytest.raises(DownloadError) as err:
        download(f"{server}/trickle", tmp_path / "t.bin", _sha(_Handler.body), progress=False, min_rate=1000)
    assert time.monotonic() - t0 < 2
    message = str(err.value)
    assert "/trickle: too slow:" in message and "under the minimum 0.977 KiB/s" in message and "\n" not in message
    assert list(tmp_path.iterdir()) == []  # no partial file left behind


def test_a_download_past_its_deadline_is_given_up(tmp_path, server):
    t0 = time.monotonic()
    with pytest.raises(DownloadError, match=r"/trickle: took longer than the 0\.4 s a download may take \(\d+ bytes"):
        download(f"{server}/trickle", tmp_path / "t.bin", _sha(_Handler.body), progress=False, deadline=0.4, min_rate=0)
    assert time.monotonic() - t0 < 2


def test_a_server_that_never_answers_fails_early(tmp_path, black_hole):
    t0 = time.monotonic()
    with pytest.raises(DownloadError, match=r"data\.gz: no answer from 127\.0\.0\.1 after 0\.2 s\. Check your"):
        download(black_hole, tmp_path / "data.gz", "a" * 64, progress=False, timeout=0.2)
    assert time.monotonic() - t0 < 2


def test_a_server_that_stops_sending_fails_early(tmp_path, server):
    with pytest.raises(DownloadError, match=r"/stall: no answer from 127\.0\.0\.1 after 0\.2 s"):
        download(f"{server}/stall", tmp_path / "s.bin", "a" * 64, progress=False, timeout=0.2)


def test_download_limits_default_to_the_module_constants(tmp_path, black_hole, monkeypatch):
    monkeypatch.setattr(download_module, "ANSWER_TIMEOUT", 0.1)
    with pytest.raises(DownloadError, match="no answer from 127.0.0.1 after 0.1 s"):
        download(black_hole, tmp_path / "data.gz", "a" * 64, progress=False)
    assert (download_module.ANSWER_TIMEOUT, download_module.DOWNLOAD_DEADLINE) == (0.1, 3600)


# ---------------------------------------------------------------- 6. a learner's own copy of a data file


def _idx(array):
    """``array`` as IDX bytes, written independently of the reader under test."""
    header = bytes([0, 0, 0x08, array.ndim]) + b"".join(struct.pack(">I", n) for n in array.shape)
    return header + array.astype(np.uint8).tobytes()


@pytest.fixture
def offline_mnist(tmp_path, monkeypatch):
    """A fake MNIST (5 training images, 3 test) whose "server" has gone: ``(cache, images, labels)``."""
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, size=(5, 28, 28), dtype=np.uint8)
    labels = rng.integers(0, 10, size=5, dtype=np.uint8)
    gone = (tmp_path / "server-gone").as_uri() + "/"
    table = {}
    for key, array in (("train-images", images), ("train-labels", labels)):
        official = gzip.compress(_idx(array), compresslevel=9, mtime=0)
        table[key] = RemoteFile(f"{key}.gz", hashlib.sha256(official).hexdigest(), (gone + f"{key}.gz",))
    table["test-images"] = table["test-labels"] = RemoteFile("t.gz", "0" * 64, (gone + "t.gz",))
    monkeypatch.setitem(DATASET_FILES, "mnist", table)
    monkeypatch.setitem(MNIST_SPLIT_SIZES, "train", 5)
    return tmp_path / "cache", images, labels


@pytest.mark.parametrize("download_flag", [True, False])
def test_a_learners_valid_copy_is_used_with_a_warning(offline_mnist, download_flag):
    cache, images, labels = offline_mnist
    (cache / "mnist").mkdir(parents=True)
    mine = {"train-images.gz": gzip.compress(_idx(images), compresslevel=1, mtime=1), "train-labels.gz": _idx(labels)}
    for filename, data in mine.items():  # re-gzipped, or not gzipped at all: another SHA-256, the same data
        (cache / "mnist" / filename).write_bytes(data)
    with pytest.warns(UserWarning) as said:
        x, y = load_mnist(cache_dir=cache, download=download_flag, progress=False, return_labels=True)
    head = " is not the official mnist file (its SHA-256 differs), but it is a valid IDX file of "
    tail = ": using it (move it away to download the official one)"
    assert [str(w.message) for w in said] == [
        f"{cache / 'mnist' / 'train-images.gz'}{head}5 28x28 uint8 images{tail}",
        f"{cache / 'mnist' / 'train-labels.gz'}{head}5 uint8 labels 0..9{tail}",
    ]
    torch.testing.assert_close(x[:, 0], torch.from_numpy(images).float() / 127.5 - 1)
    assert y.tolist() == labels.tolist()
    for filename, data in mine.items():
        assert (cache / "mnist" / filename).read_bytes() == data  # untouched


def test_a_learners_copy_of_the_wrong_shape_is_kept_aside_not_deleted(offline_mnist):
    cache, images, labels = offline_mnist
    (cache / "mnist").mkdir(parents=True)
    wrong = gzip.compress(_idx(images[:3]))  # the test split's size, say: not the training images
    (cache / "mnist" / "train-images.gz").write_bytes(wrong)
    with pytest.raises(DownloadError, match=r"not a valid IDX file of 5 28x28 uint8 images .*download=True"):
        load_mnist(cache_dir=cache, download=False)
    assert (cache / "mnist" / "train-images.gz").read_bytes() == wrong
    with pytest.raises(DownloadError, match=r"wrong SHA-256: it is kept as train-images\.gz\.unverified"):
        load_mnist(cache_dir=cache, progress=False)  # the download fails: offline
    assert (cache / "mnist" / "train-images.gz.unverified").read_bytes() == wrong
    assert not (cache / "mnist" / "train-images.gz").exists()


# ---------------------------------------------------------------- 7. resuming a folder run from elsewhere


def _folder_of_images(folder, seed=0, n=8):
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True)
    for i in range(n):
        Image.fromarray(rng.integers(0, 256, (8, 8), dtype=np.uint8)).save(folder / f"{i}.png")
    return folder


def _tiny_folder_recipe(data):
    from gan_lessons.recipes import DCGANConfig

    return DCGANConfig(data=data, image_size=8, z_dim=4, g_width=4, d_width=4, batch_size=4, epochs=1)


def test_a_folder_run_resumes_from_another_working_directory(tmp_path, monkeypatch):
    from gan_lessons import runs
    from gan_lessons.checkpoint import load_checkpoint

    pics = _folder_of_images(tmp_path / "course" / "pics")
    monkeypatch.chdir(tmp_path / "course")
    runs.run(_tiny_folder_recipe("pics"), out=tmp_path / "run")  # started with a relative --data
    ckpt = tmp_path / "run" / "checkpoint.pt"
    assert load_checkpoint(ckpt)["config"]["data"] == str(pics)  # kept as an absolute path
    (tmp_path / "elsewhere").mkdir()
    monkeypatch.chdir(tmp_path / "elsewhere")
    r = runs.resume_run(ckpt, total=2)
    assert r.config.data == str(pics) and r.step == 2 and r.total_steps == 4


def test_a_moved_image_folder_is_named_and_can_be_given_again(tmp_path, monkeypatch):
    from gan_lessons import runs

    pics = _folder_of_images(tmp_path / "pics")
    runs.run(_tiny_folder_recipe(str(pics)), out=tmp_path / "run")
    ckpt = tmp_path / "run" / "checkpoint.pt"
    moved = pics.rename(tmp_path / "moved")
    with pytest.raises(ValueError) as err:
        runs.resume_run(ckpt, total=2)
    assert str(err.value) == (
        f"the image folder {pics} that the run in {ckpt} trained on no longer exists: "
        "if it moved, give its new place with --data; else start a new run"
    )
    monkeypatch.chdir(tmp_path)
    r = runs.resume_run(ckpt, total=2, expect={"data": "moved"})  # its new place, relative to here
    assert r.config.data == str(moved) and r.step == 2
    other = _folder_of_images(tmp_path / "other", seed=1)
    with pytest.raises(ValueError, match="the training images differ"):  # a new place, but not the same images
        runs.resume_run(ckpt, total=2, expect={"data": str(other)})
    with pytest.raises(
        ValueError, match=f"^the image folder gone does not exist \\(looked for {tmp_path / 'gone'}\\)$"
    ):
        runs.resume_run(ckpt, total=2, expect={"data": "gone"})  # a wrong new place
    with pytest.raises(ValueError, match="data digits differs from the checkpoint's"):
        runs.resume_run(ckpt, total=2, expect={"data": "digits"})
    (tmp_path / "pics").write_text("a file where the folder was")
    with pytest.raises(ValueError, match=f"the image folder {pics} that .* is no longer a folder"):
        runs.resume_run(ckpt, total=2)


def test_an_old_checkpoints_relative_folder_says_where_it_was_looked_for(tmp_path, monkeypatch):
    from gan_lessons import runs
    from gan_lessons.checkpoint import load_checkpoint, save_checkpoint

    pics = _folder_of_images(tmp_path / "course" / "pics")
    runs.run(_tiny_folder_recipe(str(pics)), out=tmp_path / "run")
    ckpt = tmp_path / "run" / "checkpoint.pt"
    state = load_checkpoint(ckpt)
    state.pop("format")
    save_checkpoint(ckpt, **{**state, "config": {**state["config"], "data": "pics"}})  # as older versions wrote it
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ValueError) as err:
        runs.resume_run(ckpt, total=2)
    assert str(err.value) == (
        f"the image folder 'pics' that the run in {ckpt} trained on was not found: the checkpoint holds a relative "
        f"path, which from {tmp_path} is {tmp_path / 'pics'}, and that is not a folder; resume from the folder the "
        "run was started in, or give the image folder's place with --data"
    )
    monkeypatch.chdir(tmp_path / "course")
    assert runs.resume_run(ckpt, total=2).config.data == str(pics)  # from where it started, found and made absolute


def test_a_missing_folder_path_is_not_called_an_unknown_dataset(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ValueError) as err:
        load_labelled_images("./gone")
    assert str(err.value) == f"image folder ./gone does not exist (looked for {tmp_path / 'gone'})"
    from gan_lessons.data import load_images

    with pytest.raises(ValueError, match=f"^image folder {tmp_path / 'gone'} does not exist$"):
        load_images(tmp_path / "gone")
    with pytest.raises(ValueError, match="unknown dataset 'minst'"):
        load_images("minst")  # a name: the data sets it could be


@pytest.mark.slow  # three DCGAN runs at the command line's 32x32: about 4 s (the API tests above are quick)
def test_the_command_line_names_a_moved_folder_and_takes_its_new_place(tmp_path, monkeypatch, capsys):
    from gan_lessons.cli import main

    pics = _folder_of_images(tmp_path / "course" / "pics")
    monkeypatch.chdir(tmp_path / "course")
    args = ["train", "dcgan", "--epochs", "1", "--out", str(tmp_path / "run")]
    assert main([*args, "--data", "pics"]) == 0
    capsys.readouterr()
    pics.rename(tmp_path / "moved")
    monkeypatch.chdir(tmp_path)
    resume = ["train", "dcgan", "--resume", str(tmp_path / "run" / "checkpoint.pt"), "--epochs", "2"]
    assert main([*resume, "--out", str(tmp_path / "r2")]) == 1
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and f"the image folder {pics} that the run in" in err and "--data" in err, err
    assert main([*resume, "--data", "moved", "--out", str(tmp_path / "r2")]) == 0
