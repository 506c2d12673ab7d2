package nifti

import (
	"encoding/binary"
	"math"

	"github.com/medperf/medperf"
)

// Byte offsets of the NIfTI-1 header fields this package reads or writes.
const (
	offSizeofHdr  = 0
	offDim        = 40
	offDatatype   = 70
	offBitpix     = 72
	offPixdim     = 76
	offVoxOffset  = 108
	offSclSlope   = 112
	offSclInter   = 116
	offXYZTUnits  = 123
	offDescrip    = 148
	offQformCode  = 252
	offSformCode  = 254
	offMagic      = 344
	headerSize    = 348
	singleFileOff = 352 // the header plus the 4-byte extension flag
)

// Datatype is a NIfTI-1 datatype code.
type Datatype int16

// The datatypes this package supports. Uint8, Int16 and Float32 are read and
// written; Int32 and Float64 are read only.
const (
	Uint8   Datatype = 2
	Int16   Datatype = 4
	Int32   Datatype = 8
	Float32 Datatype = 16
	Float64 Datatype = 64
)

// bitpix returns the bits per voxel of d, or 0 when d is not supported.
func (d Datatype) bitpix() int {
	switch d {
	case Uint8:
		return 8
	case Int16:
		return 16
	case Int32, Float32:
		return 32
	case Float64:
		return 64
	}
	return 0
}

// String names d as the NIfTI-1 standard does.
func (d Datatype) String() string {
	switch d {
	case Uint8:
		return "uint8"
	case Int16:
		return "int16"
	case Int32:
		return "int32"
	case Float32:
		return "float32"
	case Float64:
		return "float64"
	}
	return "unsupported"
}

// header is the part of a NIfTI-1 header a Volume needs.
type header struct {
	order    binary.ByteOrder
	dims     [3]int
	voxel    [3]float64
	datatype Datatype
	offset   int64
	slope    float64
	inter    float64
}

// errInvalid returns the CodeInvalid error all parsing failures share.
func errInvalid(format string, args ...any) error {
	return medperf.Errorf(medperf.CodeInvalid, "not a supported NIfTI-1 file: "+format, args...)
}

// parseHeader decodes and validates a 348-byte NIfTI-1 header.
func parseHeader(b []byte) (header, error) {
	var h header
	if len(b) < headerSize {
		return h, errInvalid("header is %d bytes, want 348", len(b))
	}
	if err := h.parseMagic(b); err != nil {
		return h, err
	}
	if err := h.parseDims(b); err != nil {
		return h, err
	}
	if err := h.parseType(b); err != nil {
		return h, err
	}
	return h, h.parseScaling(b)
}

// parseMagic finds the byte order from sizeof_hdr and accepts only the
// single-file magic.
func (h *header) parseMagic(b []byte) error {
	switch {
	case binary.LittleEndian.Uint32(b[offSizeofHdr:]) == headerSize:
		h.order = binary.LittleEndian
	case binary.BigEndian.Uint32(b[offSizeofHdr:]) == headerSize:
		h.order = binary.BigEndian
	default:
		return errInvalid("sizeof_hdr is not 348")
	}
	magic := string(b[offMagic : offMagic+4])
	if magic == "ni1\x00" {
		return errInvalid("header/image pairs (magic ni1) are not supported; convert to a single .nii file")
	}
	if magic != "n+1\x00" {
		return errInvalid("magic is %q, want \"n+1\"", magic)
	}
	return nil
}

// parseType reads datatype and bitpix, which must agree.
func (h *header) parseType(b []byte) error {
	h.datatype = Datatype(int16(h.order.Uint16(b[offDatatype:])))
	bits := h.datatype.bitpix()
	if bits == 0 {
		return errInvalid("datatype %d is not supported (use uint8, int16, int32, float32 or float64)", h.datatype)
	}
	if got := int(int16(h.order.Uint16(b[offBitpix:]))); got != bits {
		return errInvalid("bitpix %d does not match datatype %s", got, h.datatype)
	}
	return nil
}

// parseScaling reads vox_offset and the scaling of the values.
func (h *header) parseScaling(b []byte) error {
	vox := float64(h.float32At(b, offVoxOffset))
	if !(vox >= singleFileOff) || vox > 1<<20 || vox != math.Trunc(vox) {
		return errInvalid("vox_offset %v is not a whole number of bytes in [352, 1 MiB]", vox)
	}
	h.offset = int64(vox)
	h.slope = float64(h.float32At(b, offSclSlope))
	h.inter = float64(h.float32At(b, offSclInter))
	if math.IsNaN(h.slope) || math.IsInf(h.slope, 0) || math.IsNaN(h.inter) || math.IsInf(h.inter, 0) {
		return errInvalid("scl_slope or scl_inter is not finite")
	}
	if h.slope == 0 { // the standard: slope 0 means no scaling
		h.slope, h.inter = 1, 0
	}
	return nil
}

// parseDims reads dim[] and pixdim[]: one to three spatial dimensions, every
// further dimension of size 1, positive voxel sizes.
func (h *header) parseDims(b []byte) error {
	n := int(int16(h.order.Uint16(b[offDim:])))
	if n < 1 || n > 7 {
		return errInvalid("dim[0] is %d, want 1 to 7", n)
	}
	total := 1
	for i := 1; i <= 7; i++ {
		d := 1
		if i <= n {
			d = int(int16(h.order.Uint16(b[offDim+2*i:])))
		}
		if d < 1 {
			return errInvalid("dim[%d] is %d, want at least 1", i, d)
		}
		if i > 3 && d != 1 {
			return errInvalid("dim[%d] is %d: only 3D volumes are supported", i, d)
		}
		if i <= 3 {
			h.dims[i-1] = d
			total *= d
			if total > MaxVoxels {
				return errInvalid("volume has more than %d voxels", MaxVoxels)
			}
			p := 1.0
			if i <= n {
				p = math.Abs(float64(h.float32At(b, offPixdim+4*i)))
			}
			if !(p > 0) || math.IsInf(p, 0) {
				return errInvalid("pixdim[%d] is %v, want a positive voxel size", i, p)
			}
			h.voxel[i-1] = p
		}
	}
	return nil
}

func (h *header) float32At(b []byte, off int) float32 {
	return math.Float32frombits(h.order.Uint32(b[off:]))
}

// encodeHeader returns the 352 bytes (header and empty extension flag) of a
// little-endian, unscaled single-file NIfTI-1 volume.
func encodeHeader(v *Volume, dt Datatype) []byte {
	b := make([]byte, singleFileOff)
	le := binary.LittleEndian
	le.PutUint32(b[offSizeofHdr:], headerSize)
	b[38] = 'r' // "regular", as the standard asks
	le.PutUint16(b[offDim:], 3)
	for i := 0; i < 3; i++ {
		le.PutUint16(b[offDim+2*(i+1):], uint16(v.Dims[i]))
	}
	for i := 4; i <= 7; i++ {
		le.PutUint16(b[offDim+2*i:], 1)
	}
	le.PutUint16(b[offDatatype:], uint16(dt))
	le.PutUint16(b[offBitpix:], uint16(dt.bitpix()))
	le.PutUint32(b[offPixdim:], math.Float32bits(1)) // qfac
	for i := 0; i < 3; i++ {
		le.PutUint32(b[offPixdim+4*(i+1):], math.Float32bits(float32(v.Voxel[i])))
	}
	le.PutUint32(b[offVoxOffset:], math.Float32bits(singleFileOff))
	le.PutUint32(b[offSclSlope:], math.Float32bits(1))
	b[offXYZTUnits] = 2 // millimetres
	copy(b[offDescrip:offDescrip+80], "medperf synthetic volume")
	le.PutUint16(b[offQformCode:], 1) // scanner coordinates from pixdim, identity rotation
	copy(b[offMagic:], "n+1\x00")
	return b
}
