"""gr-rds reference receiver for ``rds_sensitivity.py`` (benchmark-only; not part of foxhunt).

Run by the GNU Radio system python (``/usr/bin/python3 benchmarks/grrds_worker.py RATE FILE...``):
each FILE (complex64 IQ at RATE, the FM station at 0 Hz) goes through one flowgraph: channel
low-pass (80 kHz, as gr-rds's rds_rx example), GNU Radio's wide-band FM receiver to MPX, MPX
resampled to the example's 250 kS/s, then gr-rds's own RDS chain as in rds_rx (57 kHz to
baseband, 19 kS/s, root-raised-cosine on the 2375 Hz half-symbols, BPSK demodulator at 4
samples per half-symbol, one half-symbol in two, differential decoding, ``rds.decoder``,
``rds.parser``). Prints one JSON line per file: {"file": ..., "pi": [every PI the parser
announced, in order]}. Needs gnuradio and Debian's gr-rds (module ``rds``).
"""

import json
import sys

import pmt
import rds
from gnuradio import analog, blocks, digital, filter, gr
from gnuradio.filter import firdes, pfb

MPX_RATE = 250_000.0  # the rate rds_rx's RDS chain is designed for
CHIP_RATE = 2375.0  # biphase half-symbols: 2 x 1187.5 Hz
PI_MESSAGE = 0  # rds.parser: message type 0 carries the PI as hex text
BATCH = 8  # files per flowgraph


def _chain(tb: gr.top_block, path: str, rate: float) -> blocks.message_debug:
    src = blocks.file_source(gr.sizeof_gr_complex, path, False)
    channel = filter.fir_filter_ccf(1, firdes.low_pass(1.0, rate, 80e3, 20e3))
    decim = int(rate // 200e3)  # FM demodulated at >= 200 kS/s, then resampled
    fm = analog.wfm_rcv(quad_rate=rate, audio_decimation=decim)
    to_mpx = pfb.arb_resampler_fff(MPX_RATE / (rate / decim), taps=[], flt_size=32)
    sub = filter.freq_xlating_fir_filter_fcc(1, firdes.low_pass(2500.0, MPX_RATE, 2.6e3, 2e3),
                                             57e3, MPX_RATE)
    to_19k = pfb.arb_resampler_ccf(19_000.0 / MPX_RATE, taps=[], flt_size=32)
    matched = filter.fir_filter_ccf(2, firdes.root_raised_cosine(1.0, 19_000.0, CHIP_RATE, 1.0, 100))
    bpsk = digital.psk.psk_demod(constellation_points=2, differential=False, samples_per_symbol=4,
                                 excess_bw=0.35, phase_bw=6.28 / 100.0, timing_bw=6.28 / 100.0,
                                 mod_code="gray")
    one_in_two = blocks.keep_one_in_n(gr.sizeof_char, 2)
    diff = digital.diff_decoder_bb(2)
    decoder = rds.decoder(False, False)
    parser = rds.parser(False, False, 0)
    sink = blocks.message_debug()
    tb.connect(src, channel, fm, to_mpx, sub, to_19k, matched, bpsk, one_in_two, diff, decoder)
    tb.msg_connect((decoder, "out"), (parser, "in"))
    tb.msg_connect((parser, "out"), (sink, "store"))
    return sink


def pis(paths: list[str], rate: float) -> list[list[str]]:
    """For each file, the PIs the parser announced; the files' chains run side by side in one
    flowgraph (a flowgraph's start and stop cost more than 2 s of RDS)."""
    tb = gr.top_block()
    sinks = [_chain(tb, path, rate) for path in paths]
    tb.run()
    found = []
    for sink in sinks:
        msgs = (sink.get_message(i) for i in range(sink.num_messages()))
        found.append([pmt.symbol_to_string(pmt.tuple_ref(m, 1)).strip().upper() for m in msgs
                      if pmt.is_tuple(m) and pmt.to_long(pmt.tuple_ref(m, 0)) == PI_MESSAGE])
    return found


def main(argv: list[str]) -> None:
    rate = float(argv[0])
    files = argv[1:]
    for i in range(0, len(files), BATCH):
        for path, found in zip(files[i:i + BATCH], pis(files[i:i + BATCH], rate)):
            print(json.dumps({"file": path, "pi": found}), flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
