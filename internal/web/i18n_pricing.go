package web

// The messages of the markup preview page (admin_markup_preview.html).
func init() {
	addEnglish(map[string]string{
		"Pratinjau perubahan harga":     "Price change preview",
		"Sebelum":                       "Before",
		"Sesudah":                       "After",
		"Terapkan":                      "Apply",
		"Tidak ada harga yang berubah.": "No price changes.",
		"%d harga tercakup (produk atau nomor virtual): %d naik, %d turun, %d tetap. Belum ada yang berubah.": "%d prices covered (products or virtual numbers): %d up, %d down, %d unchanged. Nothing has changed yet.",
	})
}
