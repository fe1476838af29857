"""The course's recipes as frozen dataclasses: every default of a training run, in one readable place.

:class:`ToyConfig` is the recipe of lessons 2-3 (``python -m gan_lessons train toy``), :class:`DCGANConfig`
the recipe of lesson 4 (``python -m gan_lessons train dcgan``). Change a field with
:func:`dataclasses.replace`, e.g. ``replace(ToyConfig(), steps=500)``; validation happens on creation.
Running a recipe (build, train, checkpoint, resume, sample) is :mod:`gan_lessons.runs`.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields, replace

from ._validate import check_bool, check_choice, check_int, check_number, check_seed
from .games import GAN, WGANGP, HingeGAN, LeastSquaresGAN, UnrolledGAN

__all__ = [
    "ToyConfig",
    "DCGANConfig",
    "toy_config",
    "TOY_LOSSES",
    "MEAN_RANGE",
    "STD_RANGE",
    "steps_per_epoch",
    "with_total",
    "config_from_dict",
    "config_to_dict",
]


#: The 1-D gaussian target's mean and standard deviation stay in these ranges: the toy GAN trains in
#: float32 on data standardised by them, which keeps about 7 significant digits, so a std far below the
#: mean's size (or numbers near float32's limits) leaves nothing of the target to learn.
MEAN_RANGE = (-1e4, 1e4)
STD_RANGE = (1e-3, 1e4)

#: What a toy run's players optimise (``ToyConfig.loss``, ``train toy --loss``): Goodfellow's game with G's
#: non-saturating or saturating loss (lessons 2-3), or lesson 5's WGAN-GP, hinge and least-squares games.
TOY_LOSSES = ("nonsaturating", "saturating", "wgan-gp", "hinge", "least-squares")


def steps_per_epoch(n_images, batch_size):
    """Generator steps in one epoch: as many batches as the data holds (at least one)."""
    return max(1, n_images // batch_size)


def _check_optimiser(cfg):
    """The fields both recipes share: learning rates, Adam's betas, the moving average, the seed."""
    check_number("lr_g", cfg.lr_g, low=0, low_open=True)
    check_number("lr_d", cfg.lr_d, low=0, low_open=True)
    check_number("beta1", cfg.beta1, 0.0, 1.0, high_open=True)
    check_number("beta2", cfg.beta2, 0.0, 1.0, high_open=True)
    if cfg.ema != 0.0:
        check_number("ema", cfg.ema, 0.0, 1.0, low_open=True, high_open=True)
    check_bool("lr_decay", cfg.lr_decay)
    check_seed("seed", cfg.seed)


@dataclass(frozen=True)
class ToyConfig:
    """The toy GAN recipe: MLPs on a 1-D or 2-D target (lessons 2 and 3)."""

    kind = "toy"  # (a class attribute, not a field) what checkpoints and the command line call it
    total_name = "steps"  # the field that holds the run's total

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
    loss: str = "nonsaturating"  # the game (TOY_LOSSES): the GAN with G's loss nonsaturating (-log D(G(z))) or
    #   saturating (log(1 - D(G(z)))), or lesson 5's wgan-gp (critic + gradient penalty), hinge, least-squares
    gp: float = 10.0  # weight of WGAN-GP's gradient penalty, loss "wgan-gp" only (Gulrajani et al. 2017: 10)
    ema: float = 0.0  # decay of the moving average of G's weights used for sampling; 0 = off
    lr_decay: bool = False  # decay both learning rates linearly to 0 at the end of the run
    r1: float = 0.0  # weight of the R1 penalty on D's gradient at real data (Mescheder et al. 2018); 0 = off
    g_activation: str = "relu"  # hidden activation of G: relu | leaky_relu | tanh (D uses leaky_relu)
    seed: int = 0  # seed of every random draw of the run
    # ---- cures for mode collapse (lesson 3), all off by default
    pack: int = 1  # PacGAN: D judges packs of this many samples (batch_size must be a multiple); 1 = off
    spectral_norm: bool = False  # spectral normalisation of D's weights (Miyato et al. 2018)
    unroll: int = 0  # unrolled GAN: D steps each G step looks ahead (Metz et al. 2016); 0 = off
    unroll_lr: float = 1e-3  # step size of the look-ahead D steps

    def __post_init__(self):
        check_choice("data", self.data, ("gaussian", "mixture", "ring8", "grid25"))
        check_number("mean", self.mean, *MEAN_RANGE)
        check_number("std", self.std, *STD_RANGE)
        for name in ("z_dim", "hidden", "depth", "steps", "batch_size", "k", "pack"):
            check_int(name, getattr(self, name))
        check_choice("loss", self.loss, TOY_LOSSES)
        check_number("gp", self.gp, low=0, low_open=True)
        check_choice("g_activation", self.g_activation, ("relu", "leaky_relu", "tanh"))
        _check_optimiser(self)
        check_number("r1", self.r1, low=0)
        if self.batch_size % self.pack:
            raise ValueError(f"batch_size ({self.batch_size}) must be a multiple of pack ({self.pack})")
        check_bool("spectral_norm", self.spectral_norm)
        check_int("unroll", self.unroll, minimum=0)
        check_number("unroll_lr", self.unroll_lr, low=0, low_open=True)
        if self.unroll and self.loss not in ("nonsaturating", "saturating"):
            raise ValueError(f"unroll needs loss nonsaturating or saturating (it looks ahead with the GAN's D loss), "
                             f"got loss {self.loss!r}")  # fmt: skip

    def game(self):
        """The game the training steps play (:mod:`gan_lessons.games`)."""
        if self.loss == "wgan-gp":
            return WGANGP(k=self.k, gp=self.gp, r1=self.r1)
        if self.loss == "hinge":
            return HingeGAN(k=self.k, r1=self.r1)
        if self.loss == "least-squares":
            return LeastSquaresGAN(k=self.k, r1=self.r1)
        if self.unroll:
            return UnrolledGAN(k=self.k, g_loss=self.loss, r1=self.r1, unroll=self.unroll, unroll_lr=self.unroll_lr)
        return GAN(k=self.k, g_loss=self.loss, r1=self.r1)

    def total_steps(self, n_images=None):
        """Generator steps of the whole run."""
        return self.steps


# Per-target defaults of the toy recipe; everything not listed comes from ToyConfig.
_TOY_DEFAULTS = {
    # lesson 2: 2x32 LeakyReLU MLPs on standardised data, 3k steps, linear lr decay and an R1 penalty:
    # KS 0.026/0.011/0.017 on seeds 0-2 (benchmarks/toy_1d.py), where the plain loop ends at 0.053-0.112
    # and wanders between 0.022 and 0.132 over its last 1,000 steps
    "gaussian": {"hidden": 32, "g_activation": "leaky_relu", "lr_decay": True, "r1": 1.0},
    "mixture": {"hidden": 32, "g_activation": "leaky_relu", "lr_decay": True, "r1": 1.0},
    # lesson 3: 2x128 MLPs, 2-D noise, D judges pairs of samples (PacGAN2, Lin et al. 2018), and samples come
    # from a moving average of G's weights (ema 0.999, lesson 3's averaging), for 12k (ring8) / 20k (grid25)
    # steps. In the search (benchmarks/toy_2d.py --ablation) the average and the steps were what sharpened the
    # modes: ring8 94.7% -> 97.4% HQ (seeds 0, 1), grid25 59% -> 94.6%; 12k steps is the fewest that kept ring8 at
    # >= 97% (10k: 96.4%, 15k: 97.5-98.0%). A learning-rate decay, R1, batch 512, narrower (64, 96), wider or
    # deeper MLPs, a LeakyReLU G, packs of 4, a doubled learning rate and a longer average (0.9995) did not help
    # on the seeds screened.
    "ring8": {"z_dim": 2, "hidden": 128, "steps": 12_000, "pack": 2, "ema": 0.999},
    "grid25": {"z_dim": 2, "hidden": 128, "steps": 20_000, "pack": 2, "ema": 0.999},
}


# WGAN-GP on the toys (lesson 5; tuned with benchmarks/toy_2d.py): the paper's practice of 5 critic steps per G step
# and Adam beta = (0.5, 0.9) (Gulrajani et al. 2017), but a 10x larger learning rate (1e-3) decayed linearly to 0,
# and a small penalty weight, 0.1, as in the authors' own toy code (gan_toy.py) rather than the 10 of their images.
# No packing and no moving average of G: on ring8 (seed 0) at step 3,000 G itself covered 8/8 modes and its 0.999
# average 2/8; and with one critic step per G step (k = 1) two runs found no mode in their first 4,000 steps.
_WGAN_GP = {
    **{"k": 5, "lr_g": 1e-3, "lr_d": 1e-3, "beta2": 0.9, "gp": 0.1, "pack": 1, "ema": 0.0, "lr_decay": True},
    "r1": 0.0,  # the 1-D GAN recipes' R1 penalty is off: the critic has its gradient penalty
}

#: Per-loss changes to a target's default recipe (lesson 5), applied by ``toy_config(data, loss=...)``.
_LOSS_DEFAULTS = {
    "wgan-gp": {
        "gaussian": {**_WGAN_GP, "steps": 3000},
        "mixture": {**_WGAN_GP, "steps": 3000},
        "ring8": {**_WGAN_GP, "steps": 6000},
        "grid25": {**_WGAN_GP, "steps": 8000},
    },
}


def toy_config(data="gaussian", **overrides):
    """The default toy recipe for target ``data``, with any field overridden by keyword.

    ``loss`` other than the default also brings that game's tuned settings for ``data`` (lesson 5:
    ``toy_config("ring8", loss="wgan-gp")``); fields given by keyword still win.
    """
    if data not in _TOY_DEFAULTS:
        raise ValueError(f"unknown toy dataset {data!r}: expected one of {', '.join(_TOY_DEFAULTS)}")
    loss = overrides.get("loss", "nonsaturating")
    return ToyConfig(**{"data": data, **_TOY_DEFAULTS[data], **_LOSS_DEFAULTS.get(loss, {}).get(data, {}), **overrides})


@dataclass(frozen=True)
class DCGANConfig:
    """The image DCGAN recipe (lesson 4); defaults are the course's default for scikit-learn's digits.

    The default departs from Radford et al. (2015) in measured ways (``benchmarks/dcgan_digits.py``):
    it works at the digits' native 8x8 instead of upsampling them to 16x16; G ends and D starts with a
    3x3 stride-1 convolution at full resolution (``full_res``; at 8x8 the paper's layout has a single
    hidden layer); G has one more 3x3 layer there, and D one after each of its convolutions
    (``g_extra_layers``, ``d_extra_layers``); the networks are half as wide (32 channels) and take steps
    twice as large (Adam lr 4e-4), so that 70 epochs of batches of 32 (2,940 steps on the 1,347 training
    digits) take 80-95 s on two CPU cores; and samples come from an exponential moving average of G's
    weights (``ema``, lesson 3). On seeds 0-2 it scores digit-FID 3.6-5.1 against the held-out digits
    (1.9-2.6x the real-vs-real baseline) and classifier confidence 0.91; the plain recipe at 16x16, 16.8
    and 0.81 (seed 0).
    """

    kind = "dcgan"  # (a class attribute, not a field) what checkpoints and the command line call it
    total_name = "epochs"  # the field that holds the run's total

    data: str = "digits"  # digits | mnist | fashion-mnist | a folder of PNG/JPEG images
    image_size: int | None = None  # height = width; None: the data's own (digits 8, (fashion-)mnist 28, folder 32)
    channels: int = 1  # 1 grayscale, 3 RGB (folders of images only)
    z_dim: int = 32  # noise dimension
    g_width: int = 32  # channels of G's last hidden layer (ngf); doubles towards the noise
    d_width: int = 32  # channels of D's first layer (ndf); doubles towards the logit
    spectral_norm: bool = False  # spectral normalisation in D instead of batch norm (Miyato et al. 2018)
    full_res: bool = True  # a 3x3 stride-1 conv at full resolution: G's last layer, D's first (models/dcgan.py)
    g_extra_layers: int = 1  # extra 3x3 conv-BN-ReLU layers in G at its last hidden resolution (models/dcgan.py)
    d_extra_layers: int = 1  # extra 3x3 conv-BN-LeakyReLU layers in D after each of its convs (models/dcgan.py)
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
    # ---- a conditional GAN (lesson 6; Mirza & Osindero 2014): G(z, y) draws the class y it is asked for
    conditional: bool = False  # train on (image, label) pairs; the data's labels, or one subfolder per class
    conditioning: str = "projection"  # how D gets the label: concat (as input planes) | projection (Miyato 2018)
    embed_dim: int = 16  # size of the learned class embedding G's noise is joined with (and concat D's planes)

    def __post_init__(self):
        if not isinstance(self.data, str) or not self.data:
            raise ValueError("data must be a dataset name or a folder path")
        if self.image_size is None:  # the data's own size
            native = {"digits": 8, "mnist": 28, "fashion-mnist": 28}.get(self.data, 32)
            object.__setattr__(self, "image_size", native)
        if self.epochs is None:  # an epoch of MNIST is 33x one of the digits: about 3 minutes on 2 cores
            object.__setattr__(self, "epochs", {"mnist": 5, "fashion-mnist": 5}.get(self.data, 70))
        for name in ("image_size", "z_dim", "g_width", "d_width", "epochs", "batch_size", "k"):
            check_int(name, getattr(self, name))
        check_choice("channels", self.channels, (1, 3))
        check_choice("g_loss", self.g_loss, ("nonsaturating", "saturating"))
        _check_optimiser(self)
        check_int("g_extra_layers", self.g_extra_layers, minimum=0)
        check_int("d_extra_layers", self.d_extra_layers, minimum=0)
        check_bool("spectral_norm", self.spectral_norm)
        check_bool("full_res", self.full_res)
        check_bool("conditional", self.conditional)
        check_choice("conditioning", self.conditioning, ("concat", "projection"))
        check_int("embed_dim", self.embed_dim)

    def game(self):
        """The game the training steps play (:mod:`gan_lessons.games`)."""
        return GAN(k=self.k, g_loss=self.g_loss)

    def total_steps(self, n_images):
        """Generator steps of the whole run: ``epochs`` passes over ``n_images`` in batches."""
        return self.epochs * steps_per_epoch(n_images, self.batch_size)


def config_from_dict(d):
    """Rebuild a config saved with :func:`config_to_dict` (as in a checkpoint), old checkpoints included."""
    cls = {"toy": ToyConfig, "dcgan": DCGANConfig}.get(d.get("kind"))
    if cls is None:
        raise ValueError(f"unknown recipe kind {d.get('kind')!r}")
    if cls is ToyConfig and "g_loss" in d:  # saved before lesson 5: G's loss and a WGAN-GP weight (0 = off)
        gp = d.get("wgan_gp", 0.0)
        d = {**d, "loss": "wgan-gp" if gp else d["g_loss"], **({"gp": gp} if gp else {})}
    if cls is DCGANConfig:  # saved before these fields existed: the networks had no extra layers
        d = {"g_extra_layers": 0, "d_extra_layers": 0, **d}
        if "nz" in d:  # the noise dimension was called nz before it was z_dim everywhere
            d = {"z_dim": d["nz"], **{k: v for k, v in d.items() if k != "nz"}}
    names = {f.name for f in fields(cls)}
    return cls(**{k: v for k, v in d.items() if k in names})


def config_to_dict(cfg):
    """A plain dict of the config, with its kind, as stored in a checkpoint."""
    return {"kind": cfg.kind, **asdict(cfg)}


def with_total(cfg, total):
    """``cfg`` with the run's total (``steps`` or ``epochs``) replaced; ``None`` leaves it as it is."""
    return cfg if total is None else replace(cfg, **{cfg.total_name: total})
