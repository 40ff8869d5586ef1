// Placeholder entry point; replaced by the engine wiring.
console.log("cr-exporter");
