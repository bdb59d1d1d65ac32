fn main() {
    w365_appuser::start();
}
