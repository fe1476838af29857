r"""The two players: generators and discriminators.

* :mod:`~gan_lessons.models.mlp`: :class:`MLPGenerator` / :class:`MLPDiscriminator`, small fully connected
  networks for the toy targets of lessons 1-3 (any data dimension).
* :mod:`~gan_lessons.models.dcgan`: :class:`DCGANGenerator` / :class:`DCGANDiscriminator`, the deep
  convolutional GAN (Radford, Metz & Chintala 2015, arXiv:1511.06434) of lesson 4, for images of size 8,
  16, 28, 32, 64, ... and any number of channels.
* :mod:`~gan_lessons.models.conditional`: :class:`ConditionalDCGANGenerator` /
  :class:`ConditionalDCGANDiscriminator`, the same networks told the class to draw or judge (lesson 6).
* :mod:`~gan_lessons.models.sampling`: noise (:func:`sample_noise`), labelled batches (:class:`Labelled`)
  and samples (:func:`decode`).

Discriminators return *logits* (one real number per sample, shape ``(B,)``); :math:`D(x) =
\sigma(\text{logit})`. The losses in :mod:`gan_lessons.losses` take logits.
"""

from .conditional import CONDITIONINGS, ConditionalDCGANDiscriminator, ConditionalDCGANGenerator
from .dcgan import DCGANDiscriminator, DCGANGenerator, base_size, dcgan_init_
from .mlp import MLPDiscriminator, MLPGenerator
from .sampling import Labelled, decode, device_of, latent_dim, n_classes, sample_noise

__all__ = [
    "MLPGenerator",
    "MLPDiscriminator",
    "DCGANGenerator",
    "DCGANDiscriminator",
    "ConditionalDCGANGenerator",
    "ConditionalDCGANDiscriminator",
    "CONDITIONINGS",
    "Labelled",
    "dcgan_init_",
    "base_size",
    "latent_dim",
    "n_classes",
    "device_of",
    "sample_noise",
    "decode",
]
