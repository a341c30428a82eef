package qris

import (
	"bytes"
	"image"
	"image/color"
	"image/png"

	"rsc.io/qr"

	"github.com/loket/loket/internal/loket"
)

// quietZone is the white border, in modules, the QR standard asks for; scanners
// need it to find the symbol on a busy screen.
const quietZone = 4

// MaxPNGSize bounds the requested width so a bad parameter cannot allocate a huge image.
const MaxPNGSize = 4096

// PNG renders payload as a QR code at error correction level M (what QRIS uses:
// it survives a smudged print or a cracked screen yet keeps the symbol small) with a
// quiet zone of four modules. The image is square and as close to size pixels wide as
// whole pixels per module allow, never less than one pixel per module.
//
// rsc.io/qr only encodes; the image is drawn here because its own Code.PNG panics
// at one pixel per module ("invalid flate repeat") and Code.Image ignores Scale.
func PNG(payload string, size int) ([]byte, error) {
	if payload == "" {
		return nil, loket.Errorf(loket.EINVALID, "QRIS payload is empty")
	}
	if size < 1 || size > MaxPNGSize {
		return nil, loket.FieldError(loket.EINVALID, "size", "image size %d is out of range; it must be 1 to %d pixels", size, MaxPNGSize)
	}
	c, err := qr.Encode(payload, qr.M)
	if err != nil {
		return nil, loket.Errorf(loket.EINVALID, "cannot encode the payload as a QR code: %v", err)
	}
	modules := c.Size + 2*quietZone
	scale := max(1, (size+modules/2)/modules)
	side := modules * scale
	// Two-colour palette: index 0 white, 1 black. The zero value paints the quiet zone.
	img := image.NewPaletted(image.Rect(0, 0, side, side), color.Palette{color.Gray{0xFF}, color.Gray{0x00}})
	for y := range c.Size {
		for x := range c.Size {
			if !c.Black(x, y) {
				continue
			}
			x0, y0 := (x+quietZone)*scale, (y+quietZone)*scale
			for dy := range scale {
				row := img.Pix[(y0+dy)*img.Stride+x0:]
				for dx := range scale {
					row[dx] = 1
				}
			}
		}
	}
	var buf bytes.Buffer
	enc := png.Encoder{CompressionLevel: png.BestCompression}
	if err := enc.Encode(&buf, img); err != nil {
		return nil, loket.Errorf(loket.EINTERNAL, "encoding the QR code as PNG: %v", err)
	}
	return buf.Bytes(), nil
}
