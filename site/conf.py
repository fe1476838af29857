"""Sphinx configuration of the course's website (MyST-NB + sphinx-book-theme, the Jupyter Book 1 stack).

Not run by hand: ``python site/build.py`` stages the sources (the learner notebooks, the README as the front
page, three pages of docs/) and runs Sphinx with this folder as its configuration folder. It passes what varies
between builds through environment variables (set by build.py):

* ``GAN_SITE_REPOSITORY``: the course's GitHub address (launch buttons, the repository button);
* ``GAN_SITE_JUPYTERHUB``: the JupyterHub the "JupyterHub" launch button opens the lessons on (nbgitpuller);
* ``GAN_LESSONS_FAST``: set when the lessons were executed in fast mode (a banner says so on every page).

build.py executes the lessons itself before Sphinx runs (several at once, in their own folder): MyST-NB only
renders the stored outputs, figures and widget state included.
"""

import os

REPOSITORY = os.environ.get("GAN_SITE_REPOSITORY", "https://github.com/gan-lessons/gan-lessons")
JUPYTERHUB = os.environ.get("GAN_SITE_JUPYTERHUB", "https://jupyterhub.example.org")
FAST = os.environ.get("GAN_LESSONS_FAST", "") not in ("", "0")

project = "gan-lessons"
author = "the gan-lessons authors"
copyright = "the gan-lessons authors; code MIT, lesson text CC BY 4.0"
html_title = "gan-lessons"

# MyST Markdown and notebooks (brings myst_parser with it); .nojekyll for GitHub Pages (it hides _static/ else);
# MathJax served from the site itself (_static/mathjax), not a CDN: the maths renders in a room with no network.
extensions = ["myst_nb", "sphinx.ext.githubpages", "sphinx-mathjax-offline"]
root_doc = "index"
# Only what build.py staged: the front page, the learner notebooks and the docs pages.
include_patterns = ["index.md", "notebooks/*.ipynb", "docs/*.md"]
exclude_patterns = ["_build", "**.ipynb_checkpoints"]

myst_enable_extensions = ["dollarmath", "amsmath", "colon_fence"]
myst_heading_anchors = 3  # README.md links to docs/instructor-guide.md#binder: anchors from headings
myst_update_mathjax = False  # let MathJax typeset the whole page: the lessons' titles (sidebar, headings) hold maths

nb_execution_mode = "off"  # build.py has executed the staged lessons already
nb_merge_streams = True  # one output box per cell for what it printed, not one per print

html_theme = "sphinx_book_theme"
html_theme_options = {
    "repository_url": REPOSITORY,
    "repository_branch": "main",
    "path_to_docs": "",  # the staged sources mirror the repository: notebooks/NN_*.ipynb, docs/*.md
    "use_repository_button": True,
    "use_download_button": True,
    "home_page_in_toc": True,
    "show_toc_level": 2,
    "launch_buttons": {
        "binderhub_url": "https://mybinder.org",
        "jupyterhub_url": JUPYTERHUB,  # nbgitpuller link: /hub/user-redirect/git-pull?repo=...
        "notebook_interface": "jupyterlab",
    },
}
if FAST:
    html_theme_options["announcement"] = (
        "Preview build: the lessons ran in fast mode (a few training steps), "
        "so their pictures show barely trained models."
    )
html_show_sourcelink = False


def setup(app):
    # MathJax on every page, not only those whose body holds maths: the sidebar's lesson titles hold maths too
    # (the front page has none of its own, and would show them as raw \(V(D, G)\)).
    app.set_html_assets_policy("always")
