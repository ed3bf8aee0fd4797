#!/usr/bin/python3
"""Independent check of our TensorBoard event files: decodes them with Google's protobuf runtime
(Debian python3-protobuf) against TensorFlow's Event/Summary schema, declared here from
tensorflow/core/util/event.proto and framework/summary.proto, and checks every TFRecord CRC with a
bit-by-bit CRC-32C. Usage: read_tfevents.py EVENT_FILE  (prints one "step tag value" per scalar).
Run by hand (TensorBoard itself is not packaged for Debian); see docs/training.md.
"""
import struct
import sys

from google.protobuf import descriptor_pb2, descriptor_pool, message_factory

F = descriptor_pb2.FieldDescriptorProto


def schema():
    f = descriptor_pb2.FileDescriptorProto(name="tb_event.proto", package="tb", syntax="proto3")
    value = f.message_type.add(name="Value")
    value.field.add(name="tag", number=1, type=F.TYPE_STRING, label=F.LABEL_OPTIONAL)
    value.field.add(name="simple_value", number=2, type=F.TYPE_FLOAT, label=F.LABEL_OPTIONAL)
    summary = f.message_type.add(name="Summary")
    summary.field.add(name="value", number=1, type=F.TYPE_MESSAGE, type_name=".tb.Value",
                      label=F.LABEL_REPEATED)
    event = f.message_type.add(name="Event")
    event.field.add(name="wall_time", number=1, type=F.TYPE_DOUBLE, label=F.LABEL_OPTIONAL)
    event.field.add(name="step", number=2, type=F.TYPE_INT64, label=F.LABEL_OPTIONAL)
    event.field.add(name="file_version", number=3, type=F.TYPE_STRING, label=F.LABEL_OPTIONAL)
    event.field.add(name="summary", number=5, type=F.TYPE_MESSAGE, type_name=".tb.Summary",
                    label=F.LABEL_OPTIONAL)
    pool = descriptor_pool.DescriptorPool()
    pool.Add(f)
    descriptor = pool.FindMessageTypeByName("tb.Event")
    if hasattr(message_factory, "GetMessageClass"):
        return message_factory.GetMessageClass(descriptor)
    return message_factory.MessageFactory(pool).GetPrototype(descriptor)


def crc32c(data):
    crc = 0xFFFFFFFF
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ (0x82F63B78 if crc & 1 else 0)
    return crc ^ 0xFFFFFFFF


def masked(data):
    crc = crc32c(data)
    return ((((crc >> 15) | (crc << 17)) & 0xFFFFFFFF) + 0xA282EAD8) & 0xFFFFFFFF


def main(path):
    assert crc32c(b"123456789") == 0xE3069283
    Event = schema()
    blob = open(path, "rb").read()
    i, count = 0, 0
    while i < len(blob):
        header = blob[i:i + 8]
        (length,) = struct.unpack("<Q", header)
        (length_crc,) = struct.unpack("<I", blob[i + 8:i + 12])
        assert length_crc == masked(header), f"record {count}: bad length CRC"
        data = blob[i + 12:i + 12 + length]
        (data_crc,) = struct.unpack("<I", blob[i + 12 + length:i + 16 + length])
        assert data_crc == masked(data), f"record {count}: bad data CRC"
        event = Event()
        event.ParseFromString(data)
        if count == 0:
            assert event.file_version == "brain.Event:2", event
        for value in event.summary.value:
            print(event.step, value.tag, value.simple_value)
        i += 16 + length
        count += 1
    sys.stdout.flush()  # the scalars first, whatever the buffering of a pipe (Python 3.13 differs)
    print(f"ok: {count} records", file=sys.stderr)


if __name__ == "__main__":
    main(sys.argv[1])
