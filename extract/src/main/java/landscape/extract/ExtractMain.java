package landscape.extract;

public final class ExtractMain {
    public static void main(String[] args) {
        System.err.println("landscape-extract: not implemented yet");
        System.exit(2);
    }
}
