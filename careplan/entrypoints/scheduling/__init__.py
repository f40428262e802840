"""Time passing: the sweep that records what falls due, and the scheduler process that runs it."""
