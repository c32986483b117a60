"""tts - tensor streams (tt-stream(5)) in Python: one reader and writer of
records for the examples, the tests and the benchmarks.

Records of decompressed bytes:

    import tts
    for r in tts.records(tts.decompress(open("items.tts", "rb").read())):
        print(r.name, tts.NAMES[r.dtype], r.dims)   # r.data, r.array(), r.text()

and back: tts.record(name, dtype, dims, data) is a record's bytes (data
as given: it is not checked against dims, so a test can write a record
that lies), tts.array_record(name, a) and tts.text_record(name, s) those
of a numpy array and a text, tts.end() the end record, tts.compress(raw)
a stream.  Through tt-dump --npy: tts.load(path) and tts.load_npy(dir),
every record as {name: array}, meta and titles as str.

numpy is needed only by array(), array_record(), load() and load_npy();
zstd(1) by decompress() and compress().
"""
import os
import struct
import subprocess
import tempfile

MAGIC = b"TTS"
VERSION = 1
END, U8, I32, I64, F32, F64, TEXT = range(7)
NAMES = {END: "end", U8: "u8", I32: "i32", I64: "i64", F32: "f32", F64: "f64", TEXT: "text"}
SIZES = {END: 0, U8: 1, I32: 4, I64: 8, F32: 4, F64: 8, TEXT: 1}
FORMATS = {U8: "B", I32: "i", I64: "q", F32: "f", F64: "d"}  # struct's, little-endian
NUMPY = {U8: "u1", I32: "<i4", I64: "<i8", F32: "<f4", F64: "<f8", TEXT: "u1"}
TEXTS = ("meta", "titles", "names", "user_names", "item_names")  # text records, by name, of a tt-dump --npy export


def _name(b):
    return b.decode("utf-8", "surrogateescape")


def _bytes(name):
    return name if isinstance(name, bytes) else name.encode("utf-8", "surrogateescape")


class Record:
    """One record: name (str), dtype (a code), dims (list), data (bytes),
    version (the header's); raw is its bytes as read, header and data."""

    def __init__(self, name, dtype, dims, data, version=VERSION, raw=None):
        self.name, self.dtype, self.dims, self.data = name, dtype, list(dims), data
        self.version, self.raw = version, raw

    def text(self):
        return self.data.decode()

    def array(self):
        import numpy as np
        return np.frombuffer(self.data, dtype=NUMPY[self.dtype]).reshape(self.dims)

    def bytes(self, version=None):
        """The record written again (with another version byte if given)."""
        return record(self.name, self.dtype, self.dims, self.data,
                      self.version if version is None else version)


def records(data):
    """The records of decompressed stream bytes, up to and with the end
    record (or to the end of data, where the last may be cut short)."""
    pos = 0
    while pos + 8 <= len(data):
        magic, version, dtype, rank, nlen = struct.unpack_from("<3sBBBH", data, pos)
        if magic != MAGIC:
            raise ValueError("tts: no record at byte %d" % pos)
        dims = list(struct.unpack_from("<%dQ" % rank, data, pos + 8))
        start = pos + 8 + 8 * rank
        name = _name(data[start:start + nlen])
        n = size(dtype, dims)
        body = start + nlen
        yield Record(name, dtype, dims, data[body:body + n], version, data[pos:body + n])
        pos = body + n
        if dtype == END:
            return


def size(dtype, dims):
    """The bytes of data of a record of dtype and dims."""
    n = SIZES[dtype]
    for d in dims:
        n *= d
    return n


def record(name, dtype, dims, data=b"", version=VERSION):
    """A record's bytes: the header for name, dtype and dims, then data."""
    name = _bytes(name)
    return (MAGIC + struct.pack("<BBBH", version, dtype, len(dims), len(name)) +
            struct.pack("<%dQ" % len(dims), *dims) + name + bytes(data))


def end(version=VERSION):
    """The end record."""
    return record(b"", END, [], b"", version)


def pack(dtype, values):
    """A flat sequence of numbers as the data of dtype."""
    return struct.pack("<%d%s" % (len(values), FORMATS[dtype]), *values)


def text_record(name, text):
    data = _bytes(text)
    return record(name, TEXT, [len(data)], data)


def array_record(name, a, dtype=None):
    """A numpy array as a record, of dtype (by default the array's own)."""
    import numpy as np
    if dtype is None:
        dtype = {"u1": U8, "i4": I32, "i8": I64, "f4": F32, "f8": F64}[a.dtype.str[1:]]
    a = np.ascontiguousarray(a, dtype=NUMPY[dtype])
    return record(name, dtype, a.shape, a.tobytes())


def decompress(data):
    """A stream's decompressed bytes (its zstd frames), by zstd(1)."""
    return subprocess.run(["zstd", "-q", "-dc"], input=data, stdout=subprocess.PIPE,
                          check=True).stdout


def compress(raw):
    """Records' bytes as a stream, by zstd(1)."""
    return subprocess.run(["zstd", "-q", "-c"], input=raw, stdout=subprocess.PIPE,
                          check=True).stdout


def load_npy(d):
    """The records of a tt-dump --npy DIR, in file name order: {name: array},
    meta and titles as str."""
    import numpy as np
    out = {}
    for f in sorted(os.listdir(d)):
        if f.endswith(".npy"):
            name = f[:-4]
            a = np.load(os.path.join(d, f))
            out[name] = bytes(a).decode() if name in TEXTS else a
    return out


def load(path):
    """Every record of the stream at path through tt-dump --npy, as load_npy."""
    with tempfile.TemporaryDirectory() as d:
        subprocess.run(["tt-dump", "--npy", d, path], check=True)
        return load_npy(d)
