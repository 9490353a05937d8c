# expect: failed no terminal can be driven
"""Hostile: tiocsti."""

import fcntl
import os
import termios

fd = os.open("/dev/tty", os.O_RDWR)
fcntl.ioctl(fd, termios.TIOCSTI, b"x")
