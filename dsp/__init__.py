"""Pure signal-processing library: decoders and fingerprints of GSM cells and FM stations.

Imports nothing of foxhunt's but itself: no files, sockets, threads or web frameworks.
"""
