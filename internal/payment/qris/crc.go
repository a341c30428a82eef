package qris

import "fmt"

// crcTable is CRC-16/CCITT-FALSE (polynomial 0x1021, MSB first) one byte at a time.
var crcTable = func() (t [256]uint16) {
	for i := range t {
		c := uint16(i) << 8
		for range 8 {
			if c&0x8000 != 0 {
				c = c<<1 ^ 0x1021
			} else {
				c <<= 1
			}
		}
		t[i] = c
	}
	return t
}()

// CRC16 is CRC-16/CCITT-FALSE of s: polynomial 0x1021, initial value 0xFFFF, no
// reflection, no final XOR, the checksum EMVCo prescribes for tag 63.
func CRC16(s string) uint16 {
	c := uint16(0xFFFF)
	for i := 0; i < len(s); i++ {
		c = c<<8 ^ crcTable[byte(c>>8)^s[i]]
	}
	return c
}

// CRC is CRC16 as tag 63 carries it: four uppercase hexadecimal digits. For a QRIS,
// s is the payload up to and including "6304".
func CRC(s string) string {
	return fmt.Sprintf("%04X", CRC16(s))
}
