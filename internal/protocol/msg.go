package protocol

import (
	"encoding/binary"
	"fmt"
)

// Msg is one message on the init socket.
type Msg struct {
	Type  MsgType
	Op    int32 // op index (MsgError)
	Errno int32 // errno (MsgError), 0 if none
	Val   int32 // pid (MsgPid) or SyncKind (MsgSync)
	Data  []byte
}

// Marshal encodes a message: a MsgHeaderSize header then Data.
func (m *Msg) Marshal() []byte {
	le := binary.LittleEndian
	b := make([]byte, 0, MsgHeaderSize+len(m.Data))
	b = le.AppendUint32(b, uint32(m.Type))
	b = le.AppendUint32(b, uint32(m.Op))
	b = le.AppendUint32(b, uint32(m.Errno))
	b = le.AppendUint32(b, uint32(m.Val))
	b = le.AppendUint32(b, uint32(len(m.Data)))
	return append(b, m.Data...)
}

// Unmarshal decodes one received message.
func Unmarshal(b []byte) (*Msg, error) {
	if len(b) < MsgHeaderSize {
		return nil, fmt.Errorf("short init message (%d bytes)", len(b))
	}
	le := binary.LittleEndian
	m := &Msg{
		Type:  MsgType(le.Uint32(b)),
		Op:    int32(le.Uint32(b[4:])),
		Errno: int32(le.Uint32(b[8:])),
		Val:   int32(le.Uint32(b[12:])),
	}
	n := le.Uint32(b[16:])
	if int(n) != len(b)-MsgHeaderSize {
		return nil, fmt.Errorf("init message length %d, got %d bytes", n, len(b)-MsgHeaderSize)
	}
	m.Data = b[MsgHeaderSize:]
	return m, nil
}
