r"""Checks for lesson 6's exercises: a conditional GAN on digits.

Two ways to tell the discriminator the class (label planes for the "concat" discriminator, the projection
discriminator's logit), one way to measure whether G drew what it was asked for (accuracy per class) and
one way to find a style in latent space (a least-squares direction). Each check calls the learner's
function on inputs of its own (so a hard-coded answer fails), compares with the exact answer (the
package's :class:`~gan_lessons.models.conditional.ConditionalDCGANDiscriminator` and
:mod:`gan_lessons.metrics.conditional` compute the same things) and returns a
:class:`~gan_lessons.exercises.Feedback`; it never raises. See ``docs/exercises.md``.
"""

from __future__ import annotations

import numpy as np
import torch

from ..i18n import _
from . import call_answer, record

__all__ = [
    "check_label_planes",
    "check_projection_logit",
    "check_accuracy_per_class",
    "check_style_direction",
]


def _tensor(name, out, shape_hint):
    """The learner's answer as a float64 tensor, or a hint saying what came back."""
    if not isinstance(out, torch.Tensor):
        raise AssertionError(
            _("{name} should return a torch tensor {shape_hint}, got {type}.").format(
                name=name, shape_hint=shape_hint, type=type(out).__name__
            )
        )
    return out.detach().double()


def _close(a, b, tol=1e-5):
    return a.shape == b.shape and torch.allclose(a.double(), b.double(), atol=tol, rtol=tol)


# ---------------------------------------------------------------------------------- label planes

#: (B, C, H, W, K, e, labels) of the label-planes cases: e differs from C and K, and B from K.
_PLANE_CASES = [
    (4, 1, 8, 8, 10, 3, [7, 2, 2, 9]),
    (3, 3, 5, 5, 4, 6, [3, 0, 1]),
    (6, 1, 4, 4, 10, 16, [5, 5, 0, 8, 1, 9]),
]


@record("lesson6.label_planes")
def check_label_planes(label_planes):
    r"""``label_planes(x, y, table)``: the input of the "concat" discriminator, shape (B, C + e, H, W).

    ``x`` (B, C, H, W) images, ``y`` (B,) int64 classes, ``table`` (K, e) one embedding per class. Each
    sample's embedding :math:`e_{y_i}` (e numbers) becomes e constant H x W planes, put after the image's
    channels: ``torch.cat([x, table[y][:, :, None, None].expand(-1, -1, H, W)], dim=1)``, as
    :class:`~gan_lessons.models.conditional.ConditionalDCGANDiscriminator` does.
    """
    g = torch.Generator().manual_seed(2014)
    for B, C, H, W, K, e, labels in _PLANE_CASES:
        x, y, table = torch.randn(B, C, H, W, generator=g), torch.tensor(labels), torch.randn(K, e, generator=g)
        planes = table[y][:, :, None, None].expand(-1, -1, H, W)
        want = torch.cat([x, planes], dim=1)
        try:
            out = call_answer(label_planes, x.clone(), y.clone(), table.clone())
        except (RuntimeError, IndexError) as err:
            raise AssertionError(
                _(
                    "Your code raised {error}: {message}. Shapes: x is {x_shape}, table {table_shape}; table[y] "
                    "picks row y_i for each sample, (B, e) = {rows_shape} (table[:, y] would pick columns). Give "
                    "it two axes, [:, :, None, None], expand them to H x W, then cat with x on dim=1."
                ).format(
                    error=type(err).__name__,
                    message=str(err).splitlines()[0],
                    x_shape=(B, C, H, W),
                    table_shape=(K, e),
                    rows_shape=(B, e),
                )
            ) from None
        got = _tensor("label_planes", out, "(B, C + e, H, W)")
        _diagnose_planes(got, x, y, table, want)
    return _(
        "Right: the image's channels, then e constant planes holding the class's embedding. Every filter of D's "
        "first layer now sees the class at every position, as if it were one more colour."
    )


def _diagnose_planes(got, x, y, table, want):
    """Raise a hint unless ``got`` is ``want``; names the usual mistakes."""
    (B, C, H, W), (K, e) = x.shape, table.shape
    if got.shape != want.shape:
        if tuple(got.shape) == (B, e, H, W):
            raise AssertionError(
                _(
                    "You returned only the {e} label planes, shape {planes_shape}: D must see the image too. "
                    "Concatenate them after x: torch.cat([x, planes], dim=1)."
                ).format(e=e, planes_shape=(B, e, H, W))
            )
        if tuple(got.shape) == (B, C + K, H, W):
            rest = got[:, C:]
            if torch.all((rest == 0) | (rest == 1)):
                raise AssertionError(
                    _(
                        "Your planes are one-hot ({K} channels, one per class). The concat discriminator uses the "
                        "learned embedding instead: table[y], {e} numbers per class, so D gets C + e = {channels} "
                        "channels."
                    ).format(K=K, e=e, channels=C + e)
                )
            raise AssertionError(
                _(
                    "You made {K} planes (one per class) instead of {e}: the row of the table for each sample is "
                    "table[y], shape (B, e); table[:, y] picks columns."
                ).format(K=K, e=e)
            )
        raise AssertionError(
            _(
                "The shape should be (B, C + e, H, W) = {want}, yours is {got}. Concatenate on dim=1, the channel "
                "dimension: (B, C, H, W) and (B, e, H, W) make (B, C + e, H, W)."
            ).format(want=tuple(want.shape), got=tuple(got.shape))
        )
    if _close(got, want):
        return
    if _close(got[:, :e], want[:, C:]) and _close(got[:, e:], x):
        raise AssertionError(
            _(
                "Your planes come before the image. The image channels must come first, as "
                "ConditionalDCGANDiscriminator does (torch.cat([x, planes], dim=1)): channels 0..C-1 are the "
                "picture, the e planes follow."
            )
        )
    if not _close(got[:, :C], x):
        raise AssertionError(
            _("The first C = {C} channels should be the image x itself, unchanged, then the {e} label planes.").format(
                C=C, e=e
            )
        )
    rest = got[:, C:]
    if not _close(rest, rest[:, :, :1, :1].expand_as(rest)):
        raise AssertionError(
            _(
                "Your label planes vary over the image: each of the e embedding numbers must fill a whole H x W "
                "plane with one value, table[y][:, :, None, None].expand(-1, -1, H, W) (a reshape mixes the "
                "numbers up)."
            )
        )
    v = rest[:, :, 0, 0]  # (B, e): the constant of each plane
    rows = [int(r) for r in (v[:, None, :] - table[None].double()).abs().amax(-1).argmin(1)]
    if all(_close(v[i], table[r]) for i, r in enumerate(rows)):
        i = next(i for i, r in enumerate(rows) if r != int(y[i]))
        raise AssertionError(
            _(
                "Sample {i} was asked for class {asked}, but its planes hold row {row} of the table. Use table[y]: "
                "row y_i for sample i."
            ).format(i=i, asked=int(y[i]), row=rows[i])
        )
    raise AssertionError(
        _(
            "The planes of sample 0 should hold table[y[0]] = {want}, yours hold {got}. Take the class's row of "
            "the table, unchanged."
        ).format(want=np.round(table[y[0]].numpy(), 3), got=np.round(v[0].numpy(), 3))
    )


# ---------------------------------------------------------------------------------- projection logit

_PROJECTION_CASES = [(5, 7, 10), (4, 6, 3), (6, 3, 4)]  # (B, F, K), K != B


def _projection_output(projection_logit, phi, w, b, table, y, want):
    """The learner's logits for one case, once their shape is that of ``want`` (or the hint)."""
    (B, F), K = phi.shape, table.shape[0]
    try:
        out = call_answer(projection_logit, phi.clone(), w.clone(), b.clone(), table.clone(), y.clone())
    except RuntimeError as err:
        raise AssertionError(
            _(
                "Your code raised RuntimeError: {message}. Shapes: phi @ psi_weight is (B,) = {shape_b}, "
                "table[y] is (B, F) = {shape_bf} (the vector of each sample's class) and (table[y] * "
                "phi).sum(1) is (B,); phi @ table.T would be (B, K) = {shape_bk}, one score per class."
            ).format(message=str(err).splitlines()[0], shape_b=(B,), shape_bf=(B, F), shape_bk=(B, K))
        ) from None
    got = _tensor("projection_logit", out, "(B,)")
    if tuple(got.shape) == (B, 1):
        raise AssertionError(
            _(
                "One logit per sample: shape (B,) = {shape_b}, not (B, 1). Sum over dim 1 rather than a matrix "
                "product with a column, or .squeeze(1) at the end."
            ).format(shape_b=(B,))
        )
    if tuple(got.shape) == (B, K):
        raise AssertionError(
            _(
                "Shape (B, K) = {shape_bk}: phi @ table.T scores every class for every sample. The logit uses "
                "only the class each sample was asked for, v_{{y_i}} = table[y][i]: (table[y] * phi).sum(1)."
            ).format(shape_bk=(B, K))
        )
    if tuple(got.shape) == (B, B):
        raise AssertionError(
            _(
                "Shape (B, B) = {shape_bb}: table[y] @ phi.T pairs every sample with every label. You need "
                "only its diagonal, sample i with its own v_{{y_i}}: (table[y] * phi).sum(1)."
            ).format(shape_bb=(B, B))
        )
    if got.shape != want.shape:
        raise AssertionError(
            _("The logit should have shape (B,) = {shape_b}, one per sample; yours is {got}.").format(
                shape_b=(B,), got=tuple(got.shape)
            )
        )
    return got


@record("lesson6.projection_logit")
def check_projection_logit(projection_logit):
    r"""``projection_logit(phi, psi_weight, psi_bias, table, y)``: the projection discriminator's logit, (B,).

    ``phi`` (B, F) features, ``psi_weight`` (F,) and ``psi_bias`` (a scalar tensor) the unconditional
    last layer :math:`\psi`, ``table`` (K, F) one vector :math:`v_c` per class, ``y`` (B,) the classes:

    .. math:: \ell(x, y) = \psi(\phi(x)) + v_y^\top \phi(x) = \phi \cdot w + b + v_y \cdot \phi

    (Miyato & Koyama 2018, Eq. 3), in code ``phi @ psi_weight + psi_bias + (table[y] * phi).sum(1)``.
    """
    g = torch.Generator().manual_seed(2018)
    for B, F, K in _PROJECTION_CASES:
        phi, w, table = torch.randn(B, F, generator=g), torch.randn(F, generator=g), torch.randn(K, F, generator=g)
        b, y = torch.tensor(0.75), torch.randint(0, K, (B,), generator=g)
        psi, inner = phi @ w + b, (table[y] * phi).sum(1)
        want = psi + inner
        got = _projection_output(projection_logit, phi, w, b, table, y, want)
        if _close(got, want):
            continue
        if _close(got, inner):
            raise AssertionError(
                _(
                    "That is only the class term v_y·φ(x). The projection logit adds the unconditional term "
                    "ψ(φ(x)) = φ·w + b: phi @ psi_weight + psi_bias + (table[y] * phi).sum(1)."
                )
            )
        if _close(got, want - b):
            raise AssertionError(_("Nearly: ψ is a linear layer with a bias. Add psi_bias to φ·w."))
        if _close(got, psi):
            raise AssertionError(
                _("That is ψ(φ(x)) alone: it ignores the class. Add the projection v_y·φ(x), (table[y] * phi).sum(1).")
            )
        if any(_close(got, s) for s in (-want, psi - inner, inner - psi)):
            raise AssertionError(
                _("A sign is wrong: both terms are added, ψ(φ(x)) + v_y·φ(x); neither is subtracted or negated.")
            )
        raise AssertionError(
            _(
                "For the first sample the logit should be {want:.4f}, yours is {got:.4f}. It is φ·w + b + v_y·φ, "
                "with v_y = table[y]."
            ).format(want=want[0], got=got[0])
        )
    return _(
        "Right: ψ(φ(x)) + v_y·φ(x). The class enters only through an inner product with D's last features, the "
        "form Miyato & Koyama derive when log p(y | x) is a softmax: a light, well-behaved conditioning."
    )


# ---------------------------------------------------------------------------------- accuracy per class


def _accuracy_cases():
    """(predicted, asked, k): unbalanced, so that dividing by the samples *read* as c gives another answer."""
    yield np.array([0, 0, 0, 0, 0, 1, 0, 0, 2, 0]), np.array([0, 0, 0, 0, 0, 0, 1, 1, 2, 2]), 3
    rng = np.random.default_rng(6)
    asked = rng.choice(10, size=300, p=[0.2, 0.02, 0.1, 0.1, 0.05, 0.15, 0.1, 0.08, 0.1, 0.1])
    read = np.where(rng.random(300) < 0.7, asked, rng.choice([1, 7, 9], size=300))
    yield read, asked, 10
    asked = np.array([0, 1, 1, 3, 3, 3, 0, 1, 3])  # class 2 and 4 never asked for (2 is read once)
    yield np.array([0, 1, 2, 3, 3, 0, 0, 1, 1]), asked, 5


def _shares(read, asked, k, of):
    """For each class c: among the samples with ``of == c``, the share with ``read == asked``; NaN if none."""
    hit = read == asked
    return np.array([hit[of == c].mean() if (of == c).any() else np.nan for c in range(k)])


@record("lesson6.accuracy_per_class")
def check_accuracy_per_class(accuracy_per_class):
    r"""``accuracy_per_class(predicted, asked, k)``: for each class c of 0..k-1, the share of the samples *asked
    for* c that the classifier *read as* c, :math:`\frac{\#\{i : y_i = c,\ \hat y_i = c\}}{\#\{i : y_i = c\}}`;
    NaN for a class never asked for. A numpy array (k,).
    """
    for read, asked, k in _accuracy_cases():
        out = call_answer(accuracy_per_class, read.copy(), asked.copy(), k)
        try:
            got = np.asarray(out, dtype=float)
        except (TypeError, ValueError):
            raise AssertionError(
                _("accuracy_per_class should return a numpy array of k = {k} shares").format(k=k)
            ) from None
        want = _shares(read, asked, k, asked)
        overall = float((read == asked).mean())
        if got.shape != (k,):
            if got.size == 1:
                raise AssertionError(
                    _(
                        "That is one number, the overall accuracy. Give one share per class, shape (k,): a G that "
                        "draws perfect 1s but no 7s can still score a good average."
                    )
                )
            raise AssertionError(
                _("Return one share per class, shape (k,) = {shape}; yours is {got}.").format(
                    shape=(k,), got=tuple(got.shape)
                )
            )
        if np.allclose(got, want, equal_nan=True):
            continue
        never = np.isnan(want)
        if np.allclose(got, overall):
            raise AssertionError(
                _(
                    "Every entry is {overall:.3f}, the overall accuracy. Split by class: for class c, look only at "
                    "the samples asked to be a c."
                ).format(overall=overall)
            )
        counts = np.array([((read == c) & (asked == c)).sum() for c in range(k)], dtype=float)
        if np.allclose(np.where(never, 0, got), counts) and (counts > 1).any():
            raise AssertionError(
                _(
                    "Those are counts of hits. Divide each by the number of samples asked for that class, so "
                    "classes asked for more or less often can be compared."
                )
            )
        precision = _shares(read, asked, k, read)
        if any(np.allclose(got, p, equal_nan=True) for p in (precision, np.nan_to_num(precision))):
            raise AssertionError(
                _(
                    "You divided by the samples *read* as c. The question is the other way round: of the samples "
                    "asked to be a 7, how many were read as 7 — not: of those read as 7, how many were asked for."
                )
            )
        if never.any() and np.allclose(got[~never], want[~never]):
            raise AssertionError(
                _(
                    "Class {c} was never asked for: its entry must be NaN, not {got:g}. A 0 would claim G fails at "
                    "a class it was never asked to draw; NaN says 'no evidence', and np.nanmean skips it."
                ).format(c=int(np.flatnonzero(never)[0]), got=got[never][0])
            )
        c = int(np.flatnonzero(~np.isclose(got, want, equal_nan=True))[0])
        raise AssertionError(
            _(
                "For class {c} the share should be {want:.4f}, yours is {got:.4g}: of the {count} samples asked "
                "for {c}, how many were read as {c}?"
            ).format(c=c, want=want[c], got=got[c], count=int((asked == c).sum()))
        )
    return _(
        "Right: one share per class, over the samples asked for it. The mean hides a class G cannot draw; the "
        "minimum over classes shows it."
    )


# ---------------------------------------------------------------------------------- style direction


def _style_data():
    """Correlated codes with a clearly non-zero mean, and a measure with a large offset (N = 120, d = 4)."""
    g = torch.Generator().manual_seed(6)
    mix = torch.tensor([[1.0, 0.8, 0.0, 0.3], [0.0, 0.6, 0.5, 0.0], [0.0, 0.0, 1.0, -0.7], [0.0, 0.0, 0.0, 0.5]])
    z = torch.randn(120, 4, generator=g) @ mix + torch.tensor([3.0, -2.0, 1.5, 2.5])
    m = z @ torch.tensor([1.5, -2.0, 0.5, 1.0]) + 40 + 0.3 * torch.randn(120, generator=g)
    return z, m


def _unit(v):
    return v / v.norm()


@record("lesson6.style_direction")
def check_style_direction(style_direction):
    r"""``style_direction(z, measure)``: the unit direction (d,) along which ``measure`` grows, by least squares.

    .. math:: w = \arg\min_w \lVert (Z - \bar Z) w - (m - \bar m) \rVert^2, \qquad d = w / \lVert w \rVert

    Checked against :func:`gan_lessons.metrics.conditional.style_direction` on correlated codes with a
    non-zero mean and a measure with a large offset (so skipping the centring, or using the covariance
    ``z.T @ m``, gives another direction).
    """
    from ..metrics.conditional import style_direction as reference

    z, m = _style_data()
    d = z.shape[1]
    want = reference(z, m).double()
    got = _tensor("style_direction", call_answer(style_direction, z.clone(), m.clone()), "(d,)")
    if got.shape != (d,):
        if got.numel() == d:
            raise AssertionError(
                _(
                    "Return a vector of shape (d,) = {shape}, not {got}: lstsq's solution is a column; take "
                    ".solution[:, 0] (or .reshape(-1))."
                ).format(shape=(d,), got=tuple(got.shape))
            )
        raise AssertionError(
            _("Return one number per latent dimension, shape (d,) = {shape}; yours is {got}.").format(
                shape=(d,), got=tuple(got.shape)
            )
        )
    assert torch.isfinite(got).all() and got.norm() > 0, _("Your direction has NaN, infinite or only zero entries.")
    u = _unit(got)
    if _close(u, want, 1e-3):
        assert abs(float(got.norm()) - 1) < 1e-3, _(
            "The right direction, but its length is {norm:.3f}: divide w by its norm, w / w.norm(), so that a step "
            "of 1 along it moves a code by 1."
        ).format(norm=float(got.norm()))
        return _(
            "Right: the least-squares direction, normalised. Adding a multiple of it to any code (of any class) "
            "changes that style and, in a good G, little else."
        )
    if _close(u, -want, 1e-3):
        raise AssertionError(
            _(
                "Your direction points the wrong way: moving along it makes the measure *smaller*. The fit's w "
                "already points to where the measure grows; do not negate it."
            )
        )
    Z, M = z.double(), m.double()
    Zc, Mc = Z - Z.mean(0), M - M.mean()
    if any(_close(u, _unit(v), 1e-3) for v in (Zc.T @ Mc, Z.T @ M, Z.T @ Mc)):
        raise AssertionError(
            _(
                "z.T @ m is each dimension's covariance with the measure on its own. It equals the least-squares "
                "fit only when the code's dimensions are uncorrelated (with equal variance); these codes have "
                "correlated dimensions. Solve the fit: torch.linalg.lstsq(z - z.mean(0), (m - m.mean())[:, None])."
            )
        )
    fit = lambda a, b: torch.linalg.lstsq(a, b[:, None]).solution[:, 0]  # noqa: E731
    if any(_close(u, _unit(fit(a, b)), 1e-3) for a, b in ((Z, M), (Z, Mc))):
        raise AssertionError(
            _(
                "Centre first: subtract z.mean(0) from the codes and m.mean() from the measure. Without it the fit "
                "has no intercept, and w has to bend towards the codes' mean to explain the measure's offset."
            )
        )
    raise AssertionError(
        _(
            "Your direction's cosine with the right one is {cosine:.3f}. Fit the centred measure on the centred "
            "codes by least squares (torch.linalg.lstsq), then divide w by its norm."
        ).format(cosine=float(u @ want))
    )
