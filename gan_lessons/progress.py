"""A progress bar for training: a callback of :func:`gan_lessons.training.train`, in the course's language.

Kept out of :mod:`gan_lessons.training` so that Algorithm 1 needs no translation layer; the bar's words go through
gettext (:mod:`gan_lessons.i18n`).
"""

from __future__ import annotations

from .i18n import _

__all__ = ["progress_bar"]


def progress_bar(total=None, every=10, desc=None, **kw):
    """A callback that shows a ``tqdm.auto`` progress bar (a widget in Jupyter, text in a terminal).

    Returns a callable with a ``close()`` method; it refreshes every ``every`` steps and shows the
    latest losses. ``desc`` (default: "training") and the losses' labels speak the course's language; a
    ``desc`` you pass is shown as given.
    """
    from tqdm.auto import tqdm

    bar = tqdm(total=total, desc=_("training") if desc is None else desc, **kw)
    loss_d, loss_g = _("loss_d"), _("loss_g")  # the postfix's labels, in the language of the bar's start

    def callback(info):
        if bar.total is None:
            bar.reset(total=info.total)
        if info.step % every == 0 or info.step == info.total:
            bar.n = info.step
            bar.set_postfix({loss_d: f"{info.loss_d:.3f}", loss_g: f"{info.loss_g:.3f}"}, refresh=False)
            bar.refresh()

    callback.close = bar.close
    callback.bar = bar
    return callback
