"""N toy networks of one architecture as stacked tensors, and Adam over them (:mod:`gan_lessons.batched`)."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

__all__ = ["Stack", "Adam"]


class _Linear(torch.autograd.Function):
    r"""Each run's ``nn.Linear``, :math:`y = x W^\top + b`: x (N, M, in), W (N, out, in), b (N, out) -> (N, M, out).

    The batched products are arranged as torch arranges one run's (``addmm`` and its backward, whose matrix
    products :func:`torch.bmm` repeats run by run), so on one machine the numbers are the single runs' to the
    last bit; a product with a single column is torch's matrix-vector product there, so it is here too.
    Higher derivatives go through these same operations, differentiated by autograd: R1 and the gradient
    penalty came out to the last bit too in our tests, the unrolled GAN's look-ahead to float32 rounding.
    """

    @staticmethod
    def forward(ctx, x, W, b):
        ctx.save_for_backward(x, W)
        if W.shape[1] == 1:  # one output unit: (W x^T)^T, as torch computes x W^T then
            return torch.bmm(W, x.transpose(1, 2)).transpose(1, 2) + b[:, None, :]
        return torch.baddbmm(b[:, None, :], x, W.transpose(1, 2))

    @staticmethod
    def backward(ctx, grad):  # grad: (N, M, out)
        x, W = ctx.saved_tensors
        gx = gW = gb = None
        if ctx.needs_input_grad[0]:  # grad W: (N, M, in); with one input unit, a matrix-vector product per run
            gx = (
                torch.stack([torch.mv(g, w[:, 0]) for g, w in zip(grad, W, strict=True)])[..., None]
                if W.shape[2] == 1
                else torch.bmm(grad, W)
            )
        if ctx.needs_input_grad[1]:
            gW = torch.bmm(grad.transpose(1, 2), x)  # grad^T x, (N, out, in)
        if ctx.needs_input_grad[2]:
            gb = grad.sum(1)
        return gx, gW, gb


def _weight(layer):
    """A Linear's weight parameter: the original one when spectral normalisation parametrises it."""
    return layer.parametrizations.weight.original if hasattr(layer, "parametrizations") else layer.weight


class Stack:
    """N MLPs of one architecture (:mod:`gan_lessons.models.mlp`) as stacked tensors, weights (N, out, in).

    ``generate(z)`` is each run's G, ``judge(x)`` each run's D (standardised input, packs, spectral
    normalisation with one power iteration per call, as torch's ``spectral_norm`` does in training); both map
    (N, B, ...) to (N, B, ...). :meth:`write_back` copies the weights into the runs' own modules.
    """

    def __init__(self, modules):
        self.modules = list(modules)
        self.layers = [[m for m in module.net if isinstance(m, nn.Linear)] for module in self.modules]
        self.act = next((m for m in self.modules[0].net if not isinstance(m, nn.Linear)), None)
        self.originals = []  # [W0, b0, W1, b1, ...], each a list of the runs' own parameters
        for j in range(len(self.layers[0])):
            self.originals += [[_weight(ls[j]) for ls in self.layers], [ls[j].bias for ls in self.layers]]
        self.params = [torch.stack([p.detach() for p in ps]).requires_grad_(True) for ps in self.originals]
        self.shift = torch.stack([m.shift for m in self.modules])[:, None, :]  # (N, 1, dim)
        self.scale = torch.stack([m.scale for m in self.modules])[:, None, :]
        self.pack = getattr(self.modules[0], "pack", 1)
        self.spectral = hasattr(self.layers[0][0], "parametrizations")
        self.uv = [self._vectors(j) for j in range(len(self.layers[0]))] if self.spectral else []

    def _vectors(self, j):
        sn = [ls[j].parametrizations.weight[0] for ls in self.layers]
        return torch.stack([s._u for s in sn]), torch.stack([s._v for s in sn]), sn[0].eps

    def _normalised(self, j, W):
        r"""W / σ(W) after one power iteration (Miyato et al. 2018), run by run: (N, out, in).

        torch's ``spectral_norm`` in training mode: u <- normalise(W v), v <- normalise(W^T u) without
        gradients, then σ = u · W v, through which the gradient flows (one run at a time, as torch computes it).
        """
        u, v, eps = self.uv[j]
        with torch.no_grad():
            u = F.normalize(torch.bmm(v[:, None, :], W.transpose(1, 2))[:, 0], dim=1, eps=eps)  # (N, out) = W v
            v = F.normalize(torch.bmm(W.transpose(1, 2), u[..., None])[..., 0], dim=1, eps=eps)  # (N, in) = W^T u
        self.uv[j] = (u, v, eps)
        sigma = torch.stack([torch.vdot(a, torch.mv(w, b)) for a, w, b in zip(u, W.unbind(), v, strict=True)])
        return W / sigma[:, None, None]

    def _net(self, h, params=None):
        params = self.params if params is None else params
        n = len(params) // 2
        for j in range(n):
            W, b = params[2 * j], params[2 * j + 1]
            h = _Linear.apply(h, self._normalised(j, W) if self.spectral else W, b)
            if j < n - 1:
                h = self.act(h)
        return h

    def generate(self, z):  # (N, B, z_dim) -> (N, B, dim)
        return self.shift + self.scale * self._net(z)

    def judge(self, x, params=None):  # (N, B, dim) -> (N, B / pack); with other weights (N, ...) if given
        x = (x - self.shift) / self.scale
        if self.pack > 1:
            x = x.reshape(x.shape[0], x.shape[1] // self.pack, self.pack * x.shape[2])  # (N, B / pack, pack * dim)
        return self._net(x, params).squeeze(-1)

    @torch.no_grad()
    def write_back(self):
        """Copy each run's weights (and power-iteration vectors) into its own module."""
        torch._foreach_copy_([p for ps in self.originals for p in ps], [p for ps in self.params for p in ps.unbind()])
        for i, layers in enumerate(self.layers):
            for j, layer in enumerate(layers):
                if self.spectral:
                    sn = layer.parametrizations.weight[0]
                    sn._u.copy_(self.uv[j][0][i])
                    sn._v.copy_(self.uv[j][1][i])


class Adam:
    """Adam (Kingma & Ba 2015) over stacked parameters, with one learning rate per run.

    torch.optim.Adam's arithmetic number by number (its single-tensor path, the one a CPU takes), so it is the
    runs' own optimisers side by side. ``originals[j][i]`` is run ``i``'s parameter that ``params[j][i]`` stacks:
    the Adam starts from the runs' optimiser states (a resumed run's moments) and :meth:`write_back` returns
    its state to them.
    """

    def __init__(self, params, originals, opts):
        group = opts[0].param_groups[0]
        self.params, self.originals, self.opts = params, originals, opts
        self.betas, self.eps, self.scale = group["betas"], group["eps"], None
        self.lr0 = [o.param_groups[0].get("initial_lr", o.param_groups[0]["lr"]) for o in opts]  # eta_0
        states = [[o.state.get(p, {}) for o, p in zip(opts, ps, strict=True)] for ps in originals]
        self.t = int(states[0][0]["step"]) if states[0][0] else 0
        self.m = [self._moment(st, "exp_avg", p) for st, p in zip(states, params, strict=True)]
        self.v = [self._moment(st, "exp_avg_sq", p) for st, p in zip(states, params, strict=True)]

    def _moment(self, states, name, p):
        return torch.stack([s[name] for s in states]) if self.t else torch.zeros_like(p, requires_grad=False)

    @torch.no_grad()
    def step(self, grads, scale=None):
        """One Adam step of every run with gradients ``grads``, at learning rate eta_0 (times ``scale``: a schedule)."""
        self.t, self.scale = self.t + 1, scale
        beta1, beta2 = self.betas
        bc1, bc2 = 1 - beta1**self.t, 1 - beta2**self.t
        lrs = self.lr0 if scale is None else [lr * scale for lr in self.lr0]  # as training.set_lr sets them
        neg_step = torch.tensor([-lr / bc1 for lr in lrs])  # (N,): each run's -lr / (1 - beta1^t)
        grads = list(grads)  # each tensor list at once (torch._foreach_*): the same numbers as a loop
        torch._foreach_lerp_(self.m, grads, 1 - beta1)  # m <- beta1 m + (1 - beta1) g
        torch._foreach_mul_(self.v, beta2)
        torch._foreach_addcmul_(self.v, grads, grads, value=1 - beta2)  # v <- beta2 v + (1 - beta2) g^2
        denom = torch._foreach_add(torch._foreach_div(torch._foreach_sqrt(self.v), bc2**0.5), self.eps)
        steps = [neg_step.view(-1, *[1] * (p.dim() - 1)) for p in self.params]
        torch._foreach_add_(self.params, torch._foreach_div(torch._foreach_mul(self.m, steps), denom))

    def write_back(self):
        """Each run's optimiser as if it had taken the steps itself: its learning rate, step count and moments."""
        for i, opt in enumerate(self.opts):
            if self.scale is not None:  # a learning-rate schedule: training.set_lr's bookkeeping
                opt.param_groups[0]["initial_lr"] = self.lr0[i]
                opt.param_groups[0]["lr"] = self.lr0[i] * self.scale
            for j, originals in enumerate(self.originals):
                if self.t:
                    opt.state[originals[i]] = {
                        "step": torch.tensor(float(self.t)),
                        "exp_avg": self.m[j][i].clone(),
                        "exp_avg_sq": self.v[j][i].clone(),
                    }
