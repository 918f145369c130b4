"""The sensor node: IQ sources (RTL-SDR, SigMF replay, simulation), recordings, scans, GPS, spool."""
