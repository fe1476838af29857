"""``python -m gan_lessons``: the course's command line (see :mod:`gan_lessons.cli`)."""

from .cli import main

raise SystemExit(main())
