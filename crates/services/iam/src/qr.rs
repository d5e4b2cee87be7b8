//! The QR code CreateVirtualMFADevice returns as `QRCodePNG`: the device's `otpauth://` URI (Google
//! Authenticator's key URI format) as a PNG an authenticator app can scan.

use qrcode::{Color, QrCode};

/// Pixels per QR module, and the quiet zone in modules around the code (ISO/IEC 18004 asks for four).
const SCALE: usize = 4;
const QUIET_ZONE: usize = 4;

/// IAM API reference, VirtualMFADevice: QRCodePNG "encodes
/// `otpauth://totp/$virtualMFADeviceName@$AccountName?secret=$Base32String`", AccountName being the user name if
/// set, otherwise the account id (at creation no user is). The name is percent-encoded as a URI label.
pub fn otpauth_uri(device_name: &str, account_name: &str, seed: &str) -> String {
    let label: String = format!("{device_name}@{account_name}")
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'@' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect();
    format!("otpauth://totp/{label}?secret={seed}")
}

/// `text` as a grayscale PNG QR code; `None` if it does not fit a QR code.
pub fn qr_png(text: &str) -> Option<Vec<u8>> {
    let code = QrCode::new(text.as_bytes()).ok()?;
    let modules = code.width();
    let colors = code.to_colors();
    let side = (modules + 2 * QUIET_ZONE) * SCALE;
    let mut pixels = vec![255u8; side * side];
    for (i, color) in colors.iter().enumerate() {
        if *color != Color::Dark {
            continue;
        }
        let (mx, my) = (i % modules + QUIET_ZONE, i / modules + QUIET_ZONE);
        for y in my * SCALE..(my + 1) * SCALE {
            pixels[y * side + mx * SCALE..y * side + (mx + 1) * SCALE].fill(0);
        }
    }
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, side as u32, side as u32);
    encoder.set_color(png::ColorType::Grayscale);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder.write_header().ok()?;
    writer.write_image_data(&pixels).ok()?;
    writer.finish().ok()?;
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_png_is_a_qr_code_of_the_key_uri() {
        let uri = otpauth_uri("alice phone", "111111111111", "JBSWY3DPEHPK3PXP");
        assert_eq!(uri, "otpauth://totp/alice%20phone@111111111111?secret=JBSWY3DPEHPK3PXP");
        let png = qr_png(&uri).unwrap();
        assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
        // Decoded back: a square image whose corners are the white quiet zone and whose finder pattern starts
        // dark right after it.
        let decoder = png::Decoder::new(png.as_slice());
        let mut reader = decoder.read_info().unwrap();
        let mut buf = vec![0; reader.output_buffer_size()];
        let info = reader.next_frame(&mut buf).unwrap();
        assert_eq!(info.width, info.height);
        let side = info.width as usize;
        let at = |x: usize, y: usize| buf[y * side + x];
        assert_eq!(at(0, 0), 255);
        assert_eq!(at(QUIET_ZONE * SCALE, QUIET_ZONE * SCALE), 0);
        let modules = side / SCALE - 2 * QUIET_ZONE;
        assert_eq!(modules, QrCode::new(uri.as_bytes()).unwrap().width());
    }
}
