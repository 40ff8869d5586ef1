// A gzip body built from independently compressed pieces (src/store/deflate.ts), on the calling
// thread: the pieces concatenate into one DEFLATE stream, closed by an empty final block, the
// CRC-32 and the size (RFC 1952). Pieces come from two places: the Buffers of writeBody, for
// text compressed during this scrape, and the store, for chunks compressed by an earlier gzip
// scrape and unchanged since. Compared with a zlib stream this costs no trip through the thread
// pool and no stream machinery per write (docs/performance.md, step 4).

import { crc32Combine, type DeflatedPiece, deflatePiece } from "../store/deflate.ts";

/** ID1 ID2, CM=deflate, no flags, no mtime, XFL 0, OS unknown (255). */
const HEADER = Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 255]);

export class GzipPieces {
  private crc = 0;
  private size = 0;

  header(): Buffer {
    return HEADER;
  }

  /** The compressed form of `bytes`, counted in the member; `bytes` may be reused at once. */
  piece(bytes: Uint8Array): Buffer {
    return this.add(deflatePiece(bytes));
  }

  /** Counts an already compressed piece in the member; returns its bytes to write. */
  add(piece: DeflatedPiece): Buffer {
    this.crc = crc32Combine(this.crc, piece.crc, piece.bytes);
    this.size = (this.size + piece.bytes) % 2 ** 32;
    return piece.deflated;
  }

  /** An empty final block (BFINAL=1, fixed Huffman, end-of-block), then CRC-32 and size mod 2^32. */
  trailer(): Buffer {
    const end = Buffer.alloc(10);
    end[0] = 0x03;
    end[1] = 0x00;
    end.writeUInt32LE(this.crc, 2);
    end.writeUInt32LE(this.size, 6);
    return end;
  }
}
