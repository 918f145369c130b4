"""Pure library: transmitter positions, confidence regions and approach guidance from power readings.

Imports nothing of foxhunt's but itself: no files, sockets, threads or web frameworks.
"""
