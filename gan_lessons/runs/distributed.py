"""Training on several processes: ``torchrun``, :mod:`torch.distributed` and DistributedDataParallel (DDP).

``torchrun --nproc_per_node N -m gan_lessons train dcgan ...`` starts N copies of the command, each a *rank*.
Every rank builds the same players from the same seed; DDP averages their gradients after each backward
pass (gloo on CPUs, NCCL on CUDA GPUs) and keeps batch-norm statistics in step, so the players stay
identical on every rank. Each step's global batch (the recipe's ``batch_size``) is split: every rank draws
its own ``batch_size / N`` real images and noise vectors from its own random stream (rank 0's is the
recipe's seed, as in a one-process run). Rank 0 alone writes checkpoints, summaries and progress; a
checkpoint keeps every rank's random state, so a run resumes exactly on the same number of processes.

Outside ``torchrun`` (no ``WORLD_SIZE`` in the environment) nothing here does anything: one process, as ever.
"""

from __future__ import annotations

import datetime
import os

import torch

__all__ = [
    "world",
    "local_rank",
    "is_main",
    "init",
    "wrap",
    "sync_buffers",
    "rank_rng",
    "gather_rng_states",
    "any_rank",
    "shutdown",
]

#: How long a rank waits for the others in one collective before the job fails (instead of hanging).
TIMEOUT = datetime.timedelta(minutes=5)


def _variable(name, default, minimum=0, below=None):
    """The whole number in the environment variable ``name`` (``default`` when unset or empty), or a clear error.

    torchrun sets them; one left over in a shell (``WORLD_SIZE=abc``) is named rather than failing in ``int()``.
    """
    text = os.environ.get(name, "").strip()
    if not text:
        return default
    try:
        value = int(text)
    except ValueError:
        value = None
    if value is None or value < minimum or (below is not None and value >= below):
        upper = f" and below WORLD_SIZE ({below})" if below is not None else ""
        raise ValueError(
            f"the environment variable {name} must be a whole number >= {minimum}{upper}, got {text!r} "
            "(torchrun sets it; outside torchrun, unset it)"
        )
    return value


def world():
    """``(rank, world_size)`` of this process: ``(0, 1)`` unless started by ``torchrun``.

    Reads ``WORLD_SIZE`` and ``RANK``; a value that is no whole number (or a rank out of range) raises
    ``ValueError`` naming the variable.
    """
    size = _variable("WORLD_SIZE", 1, minimum=1)
    return (_variable("RANK", 0, below=size), size) if size > 1 else (0, 1)


def local_rank():
    """This process's GPU on its machine (``LOCAL_RANK``, set by torchrun; 0 without it)."""
    return _variable("LOCAL_RANK", 0)


def is_main():
    """True on rank 0 (and in a one-process run): the rank that writes files and prints."""
    return world()[0] == 0


def init(device):
    """Join the process group when started by ``torchrun``; returns the device this rank trains on.

    gloo for a CPU, NCCL for CUDA (each rank on GPU ``LOCAL_RANK``); a no-op in a one-process run.
    """
    rank, size = world()
    if size == 1:
        return device
    import torch.distributed as dist

    if device.type == "mps":
        raise ValueError("several processes need CPUs (gloo) or CUDA GPUs (NCCL); Apple's MPS has no backend")
    if device.type == "cuda":
        device = torch.device("cuda", local_rank())
        torch.cuda.set_device(device)
    if not dist.is_initialized():
        dist.init_process_group("nccl" if device.type == "cuda" else "gloo", timeout=TIMEOUT)
    return device


def wrap(G, D):
    """G and D in DistributedDataParallel (when several processes train), else as they are."""
    if world()[1] == 1:
        return G, D
    from torch.nn.parallel import DistributedDataParallel as DDP

    device = next(G.parameters()).device
    ids = [device.index] if device.type == "cuda" else None  # one GPU per rank; a CPU rank takes none
    return DDP(G, device_ids=ids), DDP(D, device_ids=ids)


def sync_buffers(*modules):
    """Give every rank rank 0's buffers (batch-norm statistics), as its checkpoint holds them.

    DDP broadcasts them at the start of each forward pass, but the last pass updates each rank's copy from
    its own share of the batch: after training, the ranks would differ in them (and in their moving average).
    """
    if world()[1] == 1:
        return
    import torch.distributed as dist

    for m in modules:
        for b in m.buffers():
            dist.broadcast(b, src=0)


def rank_rng(seed, rank):
    """Rank ``rank``'s random stream: the recipe's seed for rank 0, a different one for each other rank."""
    return torch.Generator().manual_seed((seed + rank * 0x9E3779B97F4A7C15) % 2**63)


def gather_rng_states(rng):
    """Every rank's random state (a list, rank order) on every rank; a collective: all ranks must call it."""
    if world()[1] == 1:
        return [rng.get_state()]
    import torch.distributed as dist

    states = [None] * world()[1]
    dist.all_gather_object(states, rng.get_state())
    return states


def any_rank(flag):
    """True if ``flag`` is true on any rank, e.g. "Ctrl-C was pressed"; a collective: all ranks ask at each step."""
    if world()[1] == 1:
        return bool(flag)
    import torch.distributed as dist

    t = torch.tensor([1 if flag else 0])
    dist.all_reduce(t, op=dist.ReduceOp.MAX)
    return bool(t.item())


def shutdown():
    """Leave the process group (after training), if this process joined one."""
    import torch.distributed as dist

    if dist.is_available() and dist.is_initialized():
        dist.destroy_process_group()
