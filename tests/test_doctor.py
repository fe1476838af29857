import io

from gan_lessons.cli import main
from gan_lessons.doctor import checks, doctor


def test_doctor_reports_everything(cache_dir, capsys):
    rows = checks()
    labels = [r[2] for r in rows]
    for want in ("Python", "torch", "ipywidgets", "torch threads", "widgets render in JupyterLab", "data cache"):
        assert want in labels
    out = io.StringIO()
    rc = doctor(out)
    text = out.getvalue()
    assert rc == 0, text  # this environment has everything required
    assert "torch threads" in text and str(cache_dir) in text


def test_doctor_says_how_to_fix(monkeypatch, cache_dir):
    import gan_lessons.doctor as d

    real = d._version
    monkeypatch.setattr(d, "_version", lambda dist: None if dist == "tqdm" else real(dist))
    out = io.StringIO()
    assert doctor(out) == 1
    assert "tqdm: pip install -r requirements.txt" in out.getvalue()


def test_doctor_cli(cache_dir, capsys):
    assert main(["doctor"]) == 0
    assert "Ready" in capsys.readouterr().out
