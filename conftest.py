"""Settings for every test, notebooks included: fast mode and one torch thread.

Set here (the repository root) so they also reach the Jupyter kernels nbval starts for notebooks/
and solutions/: kernels inherit this process's environment.
"""

import os

os.environ.setdefault("GAN_LESSONS_FAST", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")
