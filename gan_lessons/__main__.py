"""``python -m gan_lessons``: the course's command line (see :mod:`gan_lessons.cli`).

Ctrl-C stops it cleanly from the first moment: its handler (:class:`gan_lessons._interrupt.CtrlC`) is set
before anything heavy is imported, also when the shell started the command with SIGINT ignored (``cmd &``).
"""

import signal
import sys

signal.signal(signal.SIGINT, signal.default_int_handler)
try:
    from ._interrupt import CtrlC

    ctrl_c = CtrlC()
    signal.signal(signal.SIGINT, ctrl_c)
    from .cli import program
except KeyboardInterrupt:  # pressed while Python was still importing the command line (English: no catalogue yet)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    print("gan_lessons: interrupted; nothing was written", file=sys.stderr)
    sys.exit(130)
program(ctrl_c)
