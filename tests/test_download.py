"""Tests for gan_lessons.data.download: safe downloads (file:// URLs only) and the IDX reader."""

import gzip
import hashlib
import io
import struct
import urllib.error
import urllib.request

import numpy as np
import pytest

from gan_lessons.data.download import (
    DATASET_FILES,
    DownloadError,
    default_cache_dir,
    download,
    file_sha256,
    read_idx,
)

_CODES = {np.uint8: 0x08, np.int8: 0x09, np.int16: 0x0B, np.int32: 0x0C, np.float32: 0x0D, np.float64: 0x0E}


def write_idx(path, array, gz=False):
    """Write ``array`` as IDX, independently of the reader under test."""
    array = np.asarray(array)
    header = bytes([0, 0, _CODES[array.dtype.type], array.ndim])
    header += b"".join(struct.pack(">I", n) for n in array.shape)
    data = header + array.astype(array.dtype.newbyteorder(">")).tobytes()
    path.write_bytes(gzip.compress(data) if gz else data)
    return path


def sha(data):
    return hashlib.sha256(data).hexdigest()


# --- read_idx --------------------------------------------------------------------------------


@pytest.mark.parametrize("gz", [False, True])
@pytest.mark.parametrize(
    "array",
    [
        np.arange(12, dtype=np.uint8).reshape(3, 4),
        np.array([-128, -1, 0, 127], dtype=np.int8),
        np.array([[[-300, 2], [32767, -32768]]], dtype=np.int16),
        np.array([2**31 - 1, -(2**31), 7], dtype=np.int32),
        np.linspace(-1, 1, 24, dtype=np.float32).reshape(2, 3, 4),
        np.array([[np.pi, -1e300]], dtype=np.float64),
        np.zeros((0, 5), dtype=np.uint8),
    ],
    ids=["uint8-2d", "int8-1d", "int16-3d", "int32-1d", "float32-3d", "float64-2d", "empty"],
)
def test_read_idx_round_trip(tmp_path, array, gz):
    path = write_idx(tmp_path / ("x.idx.gz" if gz else "x.idx"), array, gz=gz)
    out = read_idx(path)
    assert out.dtype == array.dtype and out.dtype.isnative
    assert out.shape == array.shape
    np.testing.assert_array_equal(out, array)
    out[...] = 0  # the result is a writable array, not a view of read-only bytes


def test_read_idx_known_bytes_are_big_endian(tmp_path):
    # int16, 1 dimension of size 2, values 0x0102 = 258 and 0xfffe = -2, written by hand.
    path = tmp_path / "hand.idx"
    path.write_bytes(b"\x00\x00\x0b\x01" + b"\x00\x00\x00\x02" + b"\x01\x02\xff\xfe")
    np.testing.assert_array_equal(read_idx(str(path)), np.array([258, -2], dtype=np.int16))


def test_read_idx_gzip_is_detected_by_content_not_suffix(tmp_path):
    array = np.arange(6, dtype=np.int32).reshape(2, 3)
    path = write_idx(tmp_path / "no_suffix", array, gz=True)
    assert path.read_bytes()[:2] == b"\x1f\x8b"
    np.testing.assert_array_equal(read_idx(path), array)


def test_read_idx_truncated_data(tmp_path):
    path = write_idx(tmp_path / "t.idx", np.arange(100, dtype=np.uint8).reshape(10, 10))
    path.write_bytes(path.read_bytes()[:-7])
    with pytest.raises(ValueError, match=r"t\.idx.*size mismatch.*\(10, 10\).*truncated"):
        read_idx(path)


def test_read_idx_extra_bytes(tmp_path):
    path = write_idx(tmp_path / "e.idx", np.arange(4, dtype=np.uint8))
    path.write_bytes(path.read_bytes() + b"\x00")
    with pytest.raises(ValueError, match="size mismatch"):
        read_idx(path)


def test_read_idx_truncated_header(tmp_path):
    path = tmp_path / "h.idx"
    path.write_bytes(b"\x00\x00\x08\x03\x00\x00\x00\x05")  # says 3 dims, has 1 size
    with pytest.raises(ValueError, match=r"h\.idx.*truncated IDX header"):
        read_idx(path)
    path.write_bytes(b"\x00\x00")
    with pytest.raises(ValueError, match="too short"):
        read_idx(path)


@pytest.mark.parametrize("magic", [b"\x01\x00\x08\x01", b"\x00\x00\x07\x01", b"PK\x03\x04"])
def test_read_idx_bad_magic(tmp_path, magic):
    path = tmp_path / "bad.idx"
    path.write_bytes(magic + b"\x00\x00\x00\x01" + b"\x00")
    with pytest.raises(ValueError, match=r"bad\.idx.*bad magic"):
        read_idx(path)


def test_read_idx_truncated_gzip(tmp_path):
    path = write_idx(tmp_path / "z.gz", np.arange(1000, dtype=np.int32), gz=True)
    path.write_bytes(path.read_bytes()[:-20])
    with pytest.raises(ValueError, match=r"z\.gz.*gzip"):
        read_idx(path)


def test_read_idx_bad_argument(tmp_path):
    with pytest.raises(TypeError, match="path"):
        read_idx(3)
    with pytest.raises(FileNotFoundError):
        read_idx(tmp_path / "missing.idx")


# --- download ----------------------------------------------------------------------------------


@pytest.fixture
def source(tmp_path):
    """A file to "download", its file:// URL and its checksum."""
    data = bytes(range(256)) * 50
    path = tmp_path / "remote" / "blob.bin"
    path.parent.mkdir()
    path.write_bytes(data)
    return path.as_uri(), data, sha(data)


def test_download_file_url(tmp_path, source):
    url, data, digest = source
    dest = tmp_path / "cache" / "sub" / "blob.bin"
    assert download(url, dest, digest.upper(), progress=False) == dest
    assert dest.read_bytes() == data
    assert sorted(p.name for p in dest.parent.iterdir()) == ["blob.bin"]  # no temp files left
    assert file_sha256(dest) == digest


def test_download_with_progress_bar(tmp_path, source, capsys):
    url, data, digest = source
    dest = download(url, str(tmp_path / "c" / "blob.bin"), digest, progress=True)
    assert dest.read_bytes() == data


def test_download_checksum_mismatch_leaves_nothing(tmp_path, source):
    url, _, digest = source
    cache = tmp_path / "cache"
    wrong = "0" * 64
    with pytest.raises(DownloadError, match=r"could not download blob\.bin.*SHA-256 mismatch") as err:
        download(url, cache / "blob.bin", wrong, progress=False)
    assert "\n" not in str(err.value)
    assert str(cache / "blob.bin") in str(err.value)  # says where to put the file by hand
    assert list(cache.iterdir()) == []


def test_download_missing_url(tmp_path):
    missing = (tmp_path / "nope.bin").as_uri()
    with pytest.raises(DownloadError, match="nope.bin"):
        download(missing, tmp_path / "cache" / "x.bin", "a" * 64, progress=False)
    assert list((tmp_path / "cache").iterdir()) == []


def test_download_bad_scheme(tmp_path):
    with pytest.raises(DownloadError, match="connection"):
        download("gopherz://example/x", tmp_path / "x.bin", "a" * 64, progress=False)


def test_existing_good_file_is_not_fetched(tmp_path, monkeypatch):
    dest = tmp_path / "have.bin"
    dest.write_bytes(b"already here")

    def no_network(*args, **kwargs):
        raise AssertionError("urlopen must not be called")

    monkeypatch.setattr(urllib.request, "urlopen", no_network)
    assert download("https://example.invalid/x", dest, sha(b"already here")) == dest
    assert dest.read_bytes() == b"already here"


def test_existing_bad_file_is_replaced(tmp_path, source):
    url, data, digest = source
    dest = tmp_path / "cache" / "blob.bin"
    dest.parent.mkdir()
    dest.write_bytes(data[:100])  # an old, truncated download (or a learner's own file)
    download(url, dest, digest, progress=False)
    assert dest.read_bytes() == data
    assert (dest.parent / "blob.bin.unverified").read_bytes() == data[:100]  # kept, never deleted


def test_existing_bad_file_is_kept_aside_when_download_fails(tmp_path):
    dest = tmp_path / "cache" / "blob.bin"
    dest.parent.mkdir()
    for attempt in (1, 2):
        dest.write_bytes(b"garbage %d" % attempt)
        with pytest.raises(DownloadError, match="wrong SHA-256: it is kept as blob.bin.unverified"):
            download((tmp_path / "nope").as_uri(), dest, "b" * 64, progress=False)
    assert not dest.exists()  # never read by mistake, and never deleted
    assert (dest.parent / "blob.bin.unverified").read_bytes() == b"garbage 1"
    assert (dest.parent / "blob.bin.unverified-2").read_bytes() == b"garbage 2"


def test_mirrors_are_tried_in_order(tmp_path, source):
    url, data, digest = source
    dest = tmp_path / "cache" / "blob.bin"
    download([(tmp_path / "nope").as_uri(), url], dest, digest, progress=False)
    assert dest.read_bytes() == data


def test_all_mirrors_failing_are_reported(tmp_path):
    urls = [(tmp_path / "one").as_uri(), (tmp_path / "two").as_uri()]
    with pytest.raises(DownloadError, match="one.*two"):
        download(urls, tmp_path / "x.bin", "c" * 64, progress=False)


class _DroppingResponse(io.BytesIO):
    """A response whose connection drops after the first chunk."""

    headers = {"Content-Length": "4000000"}

    def read(self, n=-1):
        if self.tell() == 0:
            return super().read(n)
        raise ConnectionResetError("connection reset by peer")

    read1 = read  # what the download reads with: whatever has arrived


def test_connection_drop_mid_download(tmp_path, monkeypatch):
    monkeypatch.setattr(urllib.request, "urlopen", lambda url, timeout: _DroppingResponse(b"x" * 2_000_000))
    cache = tmp_path / "cache"
    with pytest.raises(DownloadError, match="connection reset"):
        download("https://example.invalid/big", cache / "big.bin", "d" * 64, progress=False)
    assert list(cache.iterdir()) == []


def test_http_error(tmp_path, monkeypatch):
    def not_found(url, timeout):
        raise urllib.error.HTTPError(url, 404, "Not Found", {}, None)

    monkeypatch.setattr(urllib.request, "urlopen", not_found)
    with pytest.raises(DownloadError, match="HTTP error 404 Not Found"):
        download("https://example.invalid/x", tmp_path / "x.bin", "e" * 64, progress=False)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    "kwargs, error, word",
    [
        ({"sha256": "abc"}, ValueError, "sha256"),
        ({"sha256": "g" * 64}, ValueError, "sha256"),
        ({"sha256": None}, TypeError, "sha256"),
        ({"url": []}, TypeError, "url"),
        ({"url": 5}, TypeError, "url"),
        ({"dest": 5}, TypeError, "dest"),
        ({"timeout": 0}, ValueError, "timeout"),
        ({"deadline": -1}, ValueError, "deadline"),
        ({"min_rate": float("nan")}, ValueError, "min_rate"),
        ({"min_rate": "fast"}, TypeError, "min_rate"),
        ({"progress": "yes"}, TypeError, "progress"),
    ],
)
def test_download_bad_arguments(tmp_path, kwargs, error, word):
    args = {"url": "file:///x", "dest": tmp_path / "x", "sha256": "a" * 64} | kwargs
    with pytest.raises(error, match=word):
        download(**args)


def test_default_cache_dir(monkeypatch, tmp_path):
    monkeypatch.setenv("GAN_LESSONS_CACHE", str(tmp_path / "here"))
    assert default_cache_dir() == tmp_path / "here"
    monkeypatch.delenv("GAN_LESSONS_CACHE")
    monkeypatch.setenv("HOME", str(tmp_path))
    assert default_cache_dir() == tmp_path / ".cache" / "gan_lessons"


def test_dataset_table_is_well_formed():
    assert set(DATASET_FILES) == {"mnist", "fashion-mnist"}
    for files in DATASET_FILES.values():
        assert set(files) == {"train-images", "train-labels", "test-images", "test-labels"}
        for f in files.values():
            assert len(f.sha256) == 64 and int(f.sha256, 16) >= 0
            assert f.urls and all(u.startswith("http") and u.endswith("/" + f.filename) for u in f.urls)


# An independent list: TensorFlow Datasets' published checksums, copied from
# tensorflow_datasets/url_checksums/mnist.txt and fashion_mnist.txt ("url  size  sha256"), not from the package.
TFDS_SHA256 = {
    ("mnist", "train-images-idx3-ubyte.gz"): "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
    ("mnist", "train-labels-idx1-ubyte.gz"): "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
    ("mnist", "t10k-images-idx3-ubyte.gz"): "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
    ("mnist", "t10k-labels-idx1-ubyte.gz"): "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
    ("fashion-mnist", "train-images-idx3-ubyte.gz"): "3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84",
    ("fashion-mnist", "train-labels-idx1-ubyte.gz"): "a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845",
    ("fashion-mnist", "t10k-images-idx3-ubyte.gz"): "346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073",
    ("fashion-mnist", "t10k-labels-idx1-ubyte.gz"): "67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5",
}


def test_every_checksum_matches_the_published_one():
    pinned = {(name, f.filename): f.sha256 for name, files in DATASET_FILES.items() for f in files.values()}
    assert pinned == TFDS_SHA256
