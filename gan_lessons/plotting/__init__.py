"""Pictures for the lessons (matplotlib): densities, discriminators, losses, samples; one module per lesson.

* :mod:`~gan_lessons.plotting.value_function`: the two players, :math:`D^*`, :math:`C(G)` (lesson 1)
* :mod:`~gan_lessons.plotting.toy_gan`: a 1-D GAN's densities, discriminator, mapping, dashboard (lesson 2)
* :mod:`~gan_lessons.plotting.dynamics`: the bilinear game, saturating losses, dropped modes (lesson 3)
* :mod:`~gan_lessons.plotting.dcgan`: image grids, training curves, the latent space (lesson 4)

Every function draws on an ``ax`` (or makes a figure) and returns it, so notebooks and widgets
share the same pictures and tests can check them without a display (Agg backend). New figures are
not registered with pyplot, so a notebook shows each picture once.
"""

from .dcgan import (
    FixedNoiseGrids,
    decode_latents,
    image_grid,
    latent_path,
    plot_class_histogram,
    plot_dcgan_curves,
    plot_image_grid,
    plot_interpolation,
    plot_nearest_neighbours,
    save_image,
    save_morph_gif,
)
from .dynamics import (
    plot_distance_to_equilibrium,
    plot_generator_loss_gradients,
    plot_method_grid,
    plot_phase_portrait,
    plot_samples_2d,
    plot_samples_over_time,
    plot_saturation,
)
from .toy_gan import plot_discriminator_1d, plot_mapping, plot_toy_dashboard, plot_toy_densities
from .value_function import (
    plot_criterion_curve,
    plot_discriminator_fit,
    plot_mc_convergence,
    plot_two_players,
    plot_value_explorer,
)

__all__ = [
    # value_function
    "plot_two_players",
    "plot_value_explorer",
    "plot_criterion_curve",
    "plot_discriminator_fit",
    "plot_mc_convergence",
    # toy_gan
    "plot_toy_densities",
    "plot_discriminator_1d",
    "plot_mapping",
    "plot_toy_dashboard",
    # dynamics
    "plot_phase_portrait",
    "plot_distance_to_equilibrium",
    "plot_generator_loss_gradients",
    "plot_saturation",
    "plot_samples_2d",
    "plot_samples_over_time",
    "plot_method_grid",
    # dcgan
    "decode_latents",
    "image_grid",
    "plot_image_grid",
    "FixedNoiseGrids",
    "plot_dcgan_curves",
    "plot_class_histogram",
    "plot_nearest_neighbours",
    "latent_path",
    "plot_interpolation",
    "save_image",
    "save_morph_gif",
]
