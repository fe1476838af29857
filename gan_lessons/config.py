"""Recipes as frozen dataclasses: every default of a training run, in one readable place.

``ToyConfig`` is the recipe of lessons 2-3 (``python -m gan_lessons train toy``), ``DCGANConfig`` the
recipe of lesson 4 (``python -m gan_lessons train dcgan``). Change a field with
:func:`dataclasses.replace`, e.g. ``replace(ToyConfig(), steps=500)``; validation happens on creation.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, fields

__all__ = ["ToyConfig", "DCGANConfig", "toy_config", "config_from_dict"]


def _check(cfg, ints=(), positive=(), choices=None):
    for name in ints:
        v = getattr(cfg, name)
        if isinstance(v, bool) or not isinstance(v, int):
            raise TypeError(f"{name} must be an int, got {type(v).__name__}")
        if v < 1:
            raise ValueError(f"{name} must be >= 1, got {v}")
    for name in positive:
        v = getattr(cfg, name)
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            raise TypeError(f"{name} must be a number, got {type(v).__name__}")
        if not (math.isfinite(v) and v > 0):
            raise ValueError(f"{name} must be > 0, got {v}")
    for name, allowed in (choices or {}).items():
        if getattr(cfg, name) not in allowed:
            raise ValueError(f"{name} must be one of {', '.join(map(str, allowed))}; got {getattr(cfg, name)!r}")
    if not (0.0 <= cfg.beta1 < 1.0 and 0.0 <= cfg.beta2 < 1.0):
        raise ValueError(f"beta1 and beta2 must be in [0, 1), got {cfg.beta1}, {cfg.beta2}")
    if not (cfg.ema == 0.0 or 0.0 < cfg.ema < 1.0):
        raise ValueError(f"ema must be 0 (off) or in (0, 1), got {cfg.ema}")
    if isinstance(cfg.seed, bool) or not isinstance(cfg.seed, int) or cfg.seed < 0:
        raise ValueError(f"seed must be an int >= 0, got {cfg.seed!r}")


@dataclass(frozen=True)
class ToyConfig:
    """The toy GAN recipe: MLPs on a 1-D or 2-D target (lessons 2 and 3)."""

    data: str = "gaussian"  # target: gaussian | mixture | ring8 | grid25 (gan_lessons.data.toy)
    mean: float = 4.0  # mean of the 1-D gaussian target
    std: float = 1.25  # standard deviation of the 1-D gaussian target
    z_dim: int = 1  # noise dimension: z ~ N(0, I_z_dim)
    hidden: int = 64  # width of each hidden layer, G and D
    depth: int = 2  # hidden layers, G and D
    steps: int = 3000  # generator steps in the run (the run's total)
    batch_size: int = 256  # samples per batch, real and fake
    k: int = 1  # discriminator steps per generator step (Goodfellow et al. 2014, Alg. 1)
    lr_g: float = 1e-3  # Adam learning rate of G
    lr_d: float = 1e-3  # Adam learning rate of D
    beta1: float = 0.5  # Adam beta1 (0.5 as in DCGAN: less momentum, less oscillation)
    beta2: float = 0.999  # Adam beta2
    g_loss: str = "nonsaturating"  # nonsaturating (-log D(G(z))) | saturating (log(1 - D(G(z))))
    ema: float = 0.0  # decay of the moving average of G's weights used for sampling; 0 = off
    lr_decay: bool = False  # decay both learning rates linearly to 0 at the end of the run
    r1: float = 0.0  # weight of the R1 penalty on D's gradient at real data (Mescheder et al. 2018); 0 = off
    g_activation: str = "relu"  # hidden activation of G: relu | leaky_relu | tanh (D uses leaky_relu)
    seed: int = 0  # seed of every random draw of the run
    # ---- lesson 3: cures for mode collapse, all off by default
    pack: int = 1  # PacGAN: D judges packs of this many samples (batch_size must be a multiple); 1 = off
    spectral_norm: bool = False  # spectral normalisation of D's weights (Miyato et al. 2018)
    wgan_gp: float = 0.0  # WGAN-GP: 0 = off (GAN loss); > 0 = critic loss + this weight x gradient penalty (10)
    unroll: int = 0  # unrolled GAN: D steps each G step looks ahead (Metz et al. 2016); 0 = off
    unroll_lr: float = 1e-3  # step size of the look-ahead D steps

    def __post_init__(self):
        if isinstance(self.r1, bool) or not isinstance(self.r1, (int, float)) or not self.r1 >= 0:
            raise ValueError(f"r1 must be a number >= 0 (0 = off), got {self.r1!r}")
        _check(
            self,
            ints=("z_dim", "hidden", "depth", "steps", "batch_size", "k"),
            positive=("std", "lr_g", "lr_d"),
            choices={
                "data": ("gaussian", "mixture", "ring8", "grid25"),
                "g_loss": ("nonsaturating", "saturating"),
                "g_activation": ("relu", "leaky_relu", "tanh"),
            },
        )
        if isinstance(self.mean, bool) or not isinstance(self.mean, (int, float)) or not math.isfinite(self.mean):
            raise ValueError(f"mean must be a finite number, got {self.mean!r}")
        _check_lesson3(self)


def _check_lesson3(cfg):
    _check(cfg, ints=("pack",), positive=("unroll_lr",))
    if cfg.batch_size % cfg.pack:
        raise ValueError(f"batch_size ({cfg.batch_size}) must be a multiple of pack ({cfg.pack})")
    if not isinstance(cfg.spectral_norm, bool):
        raise TypeError(f"spectral_norm must be a bool, got {type(cfg.spectral_norm).__name__}")
    w = cfg.wgan_gp
    if isinstance(w, bool) or not isinstance(w, (int, float)) or not math.isfinite(w) or w < 0:
        raise ValueError(f"wgan_gp must be a number >= 0 (0 = off), got {w!r}")
    if isinstance(cfg.unroll, bool) or not isinstance(cfg.unroll, int) or cfg.unroll < 0:
        raise ValueError(f"unroll must be an int >= 0 (0 = off), got {cfg.unroll!r}")
    if w and cfg.unroll:
        raise ValueError("wgan_gp and unroll cannot be combined (unrolling uses the GAN loss)")


# Per-target defaults of the toy recipe; everything not listed comes from ToyConfig.
_TOY_DEFAULTS = {
    # lesson 2: 2x32 LeakyReLU MLPs on standardised data, 3k steps, linear lr decay and an R1 penalty:
    # KS 0.023/0.009/0.016 on seeds 0-2 (benchmarks/toy_1d.py), where the plain loop ends at 0.048-0.065
    # and wanders between 0.017 and 0.131 over its last 1,000 steps
    "gaussian": {"hidden": 32, "g_activation": "leaky_relu", "lr_decay": True, "r1": 1.0},
    "mixture": {"hidden": 32, "g_activation": "leaky_relu", "lr_decay": True, "r1": 1.0},
    # lesson 3: 2x128 MLPs, 2-D noise, 10k steps, and D judges pairs of samples (PacGAN2, Lin et al. 2018),
    # measured in benchmarks/toy_2d.py (seeds 0 and 1): ring8 8/8 modes with 95%/94% high-quality samples,
    # grid25 25/25 modes (60%/63%), where the plain GAN gets 7/8 or 8/8 modes at 94%/49%, and 23/25 or 25/25.
    "ring8": {"z_dim": 2, "hidden": 128, "steps": 10_000, "pack": 2},
    "grid25": {"z_dim": 2, "hidden": 128, "steps": 10_000, "pack": 2},
}


def toy_config(data="gaussian", **overrides):
    """The default toy recipe for target ``data``, with any field overridden by keyword."""
    if data not in _TOY_DEFAULTS:
        raise ValueError(f"unknown toy dataset {data!r}: expected one of {', '.join(_TOY_DEFAULTS)}")
    return ToyConfig(**{"data": data, **_TOY_DEFAULTS[data], **overrides})


@dataclass(frozen=True)
class DCGANConfig:
    """The image DCGAN recipe (lesson 4); defaults are the course's default for scikit-learn's digits.

    The default departs from Radford et al. (2015) in measured ways (``benchmarks/dcgan_digits.py``):
    it works at the digits' native 8x8 instead of upsampling them to 16x16; G ends and D starts with a
    3x3 stride-1 convolution at full resolution (``full_res``; at 8x8 the paper's layout has a single
    hidden layer); G has one more 3x3 layer there, and D one after each of its convolutions
    (``g_extra_layers``, ``d_extra_layers``); the networks are half as wide (32 channels) and take steps
    twice as large (Adam lr 4e-4), so that 70 epochs of batches of 32 take 85-100 s on two CPU cores;
    and samples come from an exponential moving average of G's weights (``ema``, lesson 3). The plain
    recipe at 16x16 plateaus.
    """

    data: str = "digits"  # digits | mnist | fashion-mnist | a folder of PNG/JPEG images
    image_size: int | None = None  # height = width; None: the data's own (digits 8, (fashion-)mnist 28, folder 32)
    channels: int = 1  # 1 grayscale, 3 RGB (folders of images only)
    nz: int = 32  # noise dimension
    g_width: int = 32  # channels of G's last hidden layer (ngf); doubles towards the noise
    d_width: int = 32  # channels of D's first layer (ndf); doubles towards the logit
    spectral_norm: bool = False  # spectral normalisation in D instead of batch norm (Miyato et al. 2018)
    full_res: bool = True  # a 3x3 stride-1 conv at full resolution: G's last layer, D's first (models.py)
    g_extra_layers: int = 1  # extra 3x3 conv-BN-ReLU layers in G at its last hidden resolution (models.py)
    d_extra_layers: int = 1  # extra 3x3 conv-BN-LeakyReLU layers in D after each of its convs (models.py)
    epochs: int | None = None  # passes over the data (the run's total); None: (fashion-)mnist 5, others 70
    batch_size: int = 32  # images per batch
    k: int = 1  # discriminator steps per generator step
    lr_g: float = 4e-4  # Adam learning rate of G (Radford et al. 2015: 2e-4)
    lr_d: float = 4e-4  # Adam learning rate of D
    beta1: float = 0.5  # Adam beta1 (Radford et al. 2015: 0.5)
    beta2: float = 0.999  # Adam beta2
    g_loss: str = "nonsaturating"  # generator loss
    ema: float = 0.99  # decay of the moving average of G's weights used for sampling; 0 = off
    lr_decay: bool = False  # decay both learning rates linearly to 0 at the end of the run
    seed: int = 0  # seed of every random draw of the run

    def __post_init__(self):
        if not isinstance(self.data, str) or not self.data:
            raise ValueError("data must be a dataset name or a folder path")
        if self.image_size is None:  # the data's own size
            native = {"digits": 8, "mnist": 28, "fashion-mnist": 28}.get(self.data, 32)
            object.__setattr__(self, "image_size", native)
        if self.epochs is None:  # an epoch of MNIST is 33x one of the digits: about 3 minutes on 2 cores
            object.__setattr__(self, "epochs", {"mnist": 5, "fashion-mnist": 5}.get(self.data, 70))
        _check(
            self,
            ints=("image_size", "channels", "nz", "g_width", "d_width", "epochs", "batch_size", "k"),
            positive=("lr_g", "lr_d"),
            choices={"g_loss": ("nonsaturating", "saturating"), "channels": (1, 3)},
        )
        for name in ("g_extra_layers", "d_extra_layers"):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, int) or v < 0:
                raise ValueError(f"{name} must be an int >= 0, got {v!r}")
        for name in ("spectral_norm", "full_res", "lr_decay"):
            if not isinstance(getattr(self, name), bool):
                raise TypeError(f"{name} must be a bool, got {type(getattr(self, name)).__name__}")


def config_from_dict(d):
    """Rebuild a config saved with :func:`dataclasses.asdict` (as in a checkpoint)."""
    cls = {"toy": ToyConfig, "dcgan": DCGANConfig}.get(d.get("kind"))
    if cls is None:
        raise ValueError(f"unknown recipe kind {d.get('kind')!r}")
    if cls is DCGANConfig:  # saved before these fields existed: the networks had no extra layers
        d = {"g_extra_layers": 0, "d_extra_layers": 0, **d}
    names = {f.name for f in fields(cls)}
    return cls(**{k: v for k, v in d.items() if k in names})


def config_to_dict(cfg):
    """A plain dict of the config, with its kind, as stored in a checkpoint."""
    return {"kind": "toy" if isinstance(cfg, ToyConfig) else "dcgan", **asdict(cfg)}
