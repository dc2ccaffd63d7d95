package landscape.analyze;

public final class AnalyzeMain {
    public static void main(String[] args) {
        System.err.println("landscape-analyze: not implemented yet");
        System.exit(2);
    }
}
