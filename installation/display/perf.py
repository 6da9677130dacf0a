"""Live performance figures: rates over a sliding window and latency percentiles."""

from __future__ import annotations

from collections import deque

import numpy as np


class RateMeter:
    """Events per second over the last ``window`` seconds.

    >>> m = RateMeter(window=1.0)
    >>> for i in range(31):
    ...     m.tick(i / 30)
    >>> round(m.rate(1.0))
    30
    """

    def __init__(self, window: float = 2.0) -> None:
        self.window = window
        self._times: deque[float] = deque()
        self.count = 0

    def tick(self, now: float, n: int = 1) -> None:
        for _ in range(n):
            self._times.append(now)
        self.count += n
        self._trim(now)

    def _trim(self, now: float) -> None:
        while self._times and self._times[0] < now - self.window:
            self._times.popleft()

    def rate(self, now: float) -> float:
        self._trim(now)
        if len(self._times) < 2:
            return 0.0
        span = self._times[-1] - self._times[0]
        return (len(self._times) - 1) / span if span > 0 else 0.0


class Samples:
    """The most recent ``size`` values of a measurement, with percentiles.

    >>> s = Samples()
    >>> for v in range(1, 101):
    ...     s.add(float(v))
    >>> s.percentile(50), s.percentile(95)
    (50.5, 95.05)
    """

    def __init__(self, size: int = 600) -> None:
        self._values: deque[float] = deque(maxlen=size)

    def add(self, value: float) -> None:
        self._values.append(value)

    def __len__(self) -> int:
        return len(self._values)

    def percentile(self, q: float) -> float:
        if not self._values:
            return 0.0
        return float(np.percentile(np.fromiter(self._values, float), q))

    def mean(self) -> float:
        return float(np.mean(np.fromiter(self._values, float))) if self._values else 0.0

    def values(self) -> list[float]:
        return list(self._values)
