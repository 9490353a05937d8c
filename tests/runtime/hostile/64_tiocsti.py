# expect: failed no terminal can be driven
# ruff: noqa  (hostile on purpose: unidiomatic code is the point)
"""Hostile: tiocsti."""

import fcntl
import os
import termios

fd = os.open("/dev/tty", os.O_RDWR)
fcntl.ioctl(fd, termios.TIOCSTI, b"x")
