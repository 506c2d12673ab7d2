package nifti

import (
	"bufio"
	"bytes"
	"compress/flate"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"

	"github.com/medperf/medperf"
)

// MaxVoxels bounds the volumes Read accepts (256³), so that a header cannot
// make a reader allocate without limit.
const MaxVoxels = 256 * 256 * 256

// Volume is a 3D scalar volume. Data holds the real-world values (after
// scl_slope and scl_inter), x fastest, then y, then z:
// Data[x + Dims[0]*(y + Dims[1]*z)].
type Volume struct {
	Dims  [3]int
	Voxel [3]float64 // voxel size in millimetres along x, y, z
	Data  []float32
}

// New returns a zero volume of the given dimensions and voxel size.
func New(dims [3]int, voxel [3]float64) *Volume {
	return &Volume{Dims: dims, Voxel: voxel, Data: make([]float32, dims[0]*dims[1]*dims[2])}
}

// Index returns the position of voxel (x, y, z) in Data.
func (v *Volume) Index(x, y, z int) int { return x + v.Dims[0]*(y+v.Dims[1]*z) }

// Len returns the number of voxels.
func (v *Volume) Len() int { return v.Dims[0] * v.Dims[1] * v.Dims[2] }

// Read decodes an uncompressed single-file NIfTI-1 volume from r. Every
// malformed, truncated or unsupported input gives a CodeInvalid error.
func Read(r io.Reader) (*Volume, error) {
	br := bufio.NewReader(r)
	hb := make([]byte, singleFileOff)
	if _, err := io.ReadFull(br, hb[:headerSize]); err != nil {
		return nil, errInvalid("the header is truncated")
	}
	h, err := parseHeader(hb[:headerSize])
	if err != nil {
		return nil, err
	}
	if _, err := io.CopyN(io.Discard, br, h.offset-headerSize); err != nil {
		return nil, errInvalid("the file ends before vox_offset")
	}
	v := &Volume{Dims: h.dims, Voxel: h.voxel}
	n := v.Len()
	size := int64(n) * int64(h.datatype.bitpix()/8)
	// ReadAll grows with the data actually present, so a header claiming a
	// large volume over a short file costs no more than the file.
	raw, err := io.ReadAll(io.LimitReader(br, size))
	if err != nil {
		return nil, readError(err)
	}
	if int64(len(raw)) != size {
		return nil, errInvalid("the voxel data is truncated (%d of %d bytes)", len(raw), size)
	}
	v.Data = decode(raw, n, h)
	return v, nil
}

// readError turns a failure of the underlying reader into an error: a corrupt
// gzip stream is invalid input, anything else is internal.
func readError(err error) error {
	var corrupt flate.CorruptInputError
	if errors.Is(err, gzip.ErrChecksum) || errors.Is(err, gzip.ErrHeader) || errors.Is(err, io.ErrUnexpectedEOF) || errors.As(err, &corrupt) {
		return &medperf.Error{Code: medperf.CodeInvalid, Message: "not a supported NIfTI-1 file: the compressed data is corrupt", Err: err}
	}
	return &medperf.Error{Code: medperf.CodeInternal, Err: err}
}

// decode converts raw voxel bytes into scaled float32 values.
func decode(raw []byte, n int, h header) []float32 {
	out := make([]float32, n)
	o := h.order
	for i := range out {
		var x float64
		switch h.datatype {
		case Uint8:
			x = float64(raw[i])
		case Int16:
			x = float64(int16(o.Uint16(raw[2*i:])))
		case Int32:
			x = float64(int32(o.Uint32(raw[4*i:])))
		case Float32:
			x = float64(math.Float32frombits(o.Uint32(raw[4*i:])))
		case Float64:
			x = math.Float64frombits(o.Uint64(raw[8*i:]))
		}
		out[i] = float32(x*h.slope + h.inter)
	}
	return out
}

// Write encodes v as an uncompressed single-file NIfTI-1 volume of datatype dt
// (Uint8, Int16 or Float32). Integer types round to the nearest value and
// refuse values out of their range, so that nothing is silently clipped.
func Write(w io.Writer, v *Volume, dt Datatype) error {
	if err := v.check(dt); err != nil {
		return err
	}
	var buf bytes.Buffer
	buf.Grow(singleFileOff + v.Len()*dt.bitpix()/8)
	buf.Write(encodeHeader(v, dt))
	var tmp [4]byte
	for _, x := range v.Data {
		switch dt {
		case Uint8:
			buf.WriteByte(uint8(math.Round(float64(x))))
		case Int16:
			binary.LittleEndian.PutUint16(tmp[:], uint16(int16(math.Round(float64(x)))))
			buf.Write(tmp[:2])
		case Float32:
			binary.LittleEndian.PutUint32(tmp[:], math.Float32bits(x))
			buf.Write(tmp[:])
		}
	}
	_, err := w.Write(buf.Bytes())
	return err
}

// check validates v for writing as dt.
func (v *Volume) check(dt Datatype) error {
	if dt != Uint8 && dt != Int16 && dt != Float32 {
		return medperf.Errorf(medperf.CodeInvalid, "cannot write NIfTI datatype %s: use uint8, int16 or float32", dt)
	}
	if err := v.checkShape(); err != nil {
		return err
	}
	return v.checkValues(dt)
}

// checkShape validates the dimensions and voxel sizes against the data.
func (v *Volume) checkShape() error {
	n := 1
	for i, d := range v.Dims {
		if d < 1 || d > math.MaxInt16 {
			return medperf.Errorf(medperf.CodeInvalid, "dimension %d is %d, want 1 to 32767", i, d)
		}
		if !(v.Voxel[i] > 0) || math.IsInf(v.Voxel[i], 0) {
			return medperf.Errorf(medperf.CodeInvalid, "voxel size %d is %v, want a positive number", i, v.Voxel[i])
		}
		n *= d
	}
	if n != len(v.Data) {
		return medperf.Errorf(medperf.CodeInvalid, "volume has %d values for %d voxels", len(v.Data), n)
	}
	return nil
}

// checkValues validates that every value is finite and fits dt.
func (v *Volume) checkValues(dt Datatype) error {
	lo, hi := map[Datatype]float64{Uint8: 0, Int16: math.MinInt16}[dt], map[Datatype]float64{Uint8: math.MaxUint8, Int16: math.MaxInt16}[dt]
	for _, x := range v.Data {
		f := float64(x)
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return medperf.Errorf(medperf.CodeInvalid, "volume holds a value that is not finite")
		}
		if dt != Float32 && (math.Round(f) < lo || math.Round(f) > hi) {
			return medperf.Errorf(medperf.CodeInvalid, "value %v does not fit datatype %s", f, dt)
		}
	}
	return nil
}

// ReadFile reads the volume at path, gunzipping it when the name ends in .gz.
func ReadFile(path string) (*Volume, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, medperf.Errorf(medperf.CodeNotFound, "cannot open volume %s", filepath.Base(path))
	}
	defer f.Close()
	var r io.Reader = f
	if strings.HasSuffix(path, ".gz") {
		zr, err := gzip.NewReader(f)
		if err != nil {
			return nil, &medperf.Error{Code: medperf.CodeInvalid, Message: "not a supported NIfTI-1 file: " + filepath.Base(path) + " is not gzip-compressed", Err: err}
		}
		defer zr.Close()
		v, err := Read(zr)
		if err != nil {
			return nil, err
		}
		// Read to the end of the stream so that gzip verifies its checksum.
		if _, err := io.Copy(io.Discard, io.LimitReader(zr, 1<<20)); err != nil {
			return nil, readError(err)
		}
		return v, nil
	}
	return Read(r)
}

// WriteFile writes v to path as datatype dt, gzip-compressed when the name
// ends in .gz. It writes a temporary file and renames it, so that a failure
// never leaves a half-written volume.
func WriteFile(path string, v *Volume, dt Datatype) error {
	if err := v.check(dt); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".nifti-*")
	if err != nil {
		return &medperf.Error{Code: medperf.CodeInternal, Err: err}
	}
	defer os.Remove(tmp.Name())
	if err := writeTo(tmp, path, v, dt); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return &medperf.Error{Code: medperf.CodeInternal, Err: err}
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return &medperf.Error{Code: medperf.CodeInternal, Err: err}
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return &medperf.Error{Code: medperf.CodeInternal, Err: err}
	}
	return nil
}

func writeTo(f *os.File, path string, v *Volume, dt Datatype) error {
	if !strings.HasSuffix(path, ".gz") {
		return Write(f, v, dt)
	}
	zw := gzip.NewWriter(f)
	if err := Write(zw, v, dt); err != nil {
		return err
	}
	return zw.Close()
}
