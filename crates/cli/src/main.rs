fn main() {
    casefile::main();
}
