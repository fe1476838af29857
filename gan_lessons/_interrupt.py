"""What Ctrl-C (SIGINT) does in the command line, phase by phase: one line and exit status 130, never a traceback.

Standard library only: ``python -m gan_lessons`` installs it before anything heavy is imported.
"""

import _thread
import threading

__all__ = ["CtrlC", "inside_import"]


def inside_import(frame):
    """True when ``frame`` runs inside an ``import``.

    A ``KeyboardInterrupt`` raised there can be swallowed by a C extension that imports a module itself
    (torch importing numpy) and leave that module half-made: the run then fails later with an unrelated error.
    """
    while frame is not None:
        if frame.f_code.co_filename.startswith("<frozen importlib"):
            return True
        frame = frame.f_back
    return False


class CtrlC:
    """The SIGINT handler of a command, by the phase the command is in (``mode``).

    * ``"raise"`` (starting up: imports, loading data): stop now with ``KeyboardInterrupt``; nothing is written
      yet. Inside an import, the interrupt waits until the import is done (:func:`inside_import`).
    * ``"stop"`` (training): finish this step, save and stop (``stop_requested``); a second press stops at once
      (one process; under torchrun the terminal's one press reaches every process, so it never escalates).
    * ``"ignore"``: the command is already on its way out, saying what it kept; let it finish.

    Once the outcome is said, :func:`gan_lessons.cli.program` ignores SIGINT while Python shuts down: a press
    then would print a traceback from torch's exit handlers, or end the process by the signal.
    """

    def __init__(self):
        self.mode, self.stop_requested, self._escalate = "raise", False, True

    def training(self, single_process):
        """Training starts: the first press saves and stops."""
        self.mode, self._escalate = "stop", single_process

    def __call__(self, signum, frame):
        if self.mode == "stop" and not self.stop_requested:
            self.stop_requested = True
            if self._escalate:
                self.mode = "raise"
        elif self.mode == "raise":
            if inside_import(frame):  # deliver it again in a moment, once the import is over
                timer = threading.Timer(0.02, _thread.interrupt_main)
                timer.daemon = True
                timer.start()
                return
            self.mode = "ignore"
            raise KeyboardInterrupt
